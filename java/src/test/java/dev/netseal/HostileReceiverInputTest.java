package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.NetV1.HEADER_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receiver against hostile input: for every input, exactly one {@link PacketException} with
 * the reason the input calls for, or success only for an untouched packet or a hop_count change.
 * Never another exception type, never an accepted forgery, and the receiver keeps opening valid
 * packets afterwards. Randomness is seeded; a failure names its seed.
 */
@Timeout(120)
class HostileReceiverInputTest {

    private static final long SESSION = 0x1122334455667788L;
    private static final byte[] KEY = key();


    /** The outcome of one open: null on success, else the reason. Any other throwable fails. */
    static Reason outcome(PacketReceiver r, byte[] packet) {
        try {
            r.open(ByteBuffer.wrap(packet.clone()));
            return null;
        } catch (PacketException e) {
            return e.reason();
        } catch (Throwable t) {
            throw new AssertionError("open threw " + t + " instead of a PacketException", t);
        }
    }

    private static byte[] seal(AeadBackend backend, long counter, byte[]... events) {
        return Codecs.on(backend).sealData(KEY, SESSION, counter, 5, 6, 0, 7, 8, 0,
                List.of(events));
    }

    /**
     * What flipping {@code bit} of {@code byteIndex} in a valid packet must be refused for, given
     * the counters the receiver accepted so far (a flipped counter is checked against the window
     * before the tag; the default window of 8192 is far wider than these counters).
     */
    private static Reason expectedForFlip(byte[] packet, int byteIndex, int bit, Set<Long> accepted) {
        int payloadLen = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getShort(64) & 0xFFFF;
        int eventCount = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getShort(66) & 0xFFFF;
        if (byteIndex < 2) {
            return Reason.BAD_MAGIC;
        }
        if (byteIndex == 2) {
            return Reason.BAD_VERSION;
        }
        if (byteIndex == 3 && (1 << bit) == NetV1.FLAG_HANDSHAKE) {
            return Reason.NOT_SEALED;
        }
        if (byteIndex == 6) {
            return null; // hop_count: changed by forwarders, not authenticated
        }
        if (byteIndex >= 12 && byteIndex < 16) {
            return Reason.WRONG_NONCE_PREFIX;
        }
        if (byteIndex >= 24 && byteIndex < 32) {
            return Reason.WRONG_SESSION;
        }
        if (byteIndex >= 16 && byteIndex < 24) {
            long counter = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getLong(16);
            long flipped = counter ^ (1L << (bit + 8 * (byteIndex - 16)));
            return accepted.contains(flipped) ? Reason.REPLAYED : Reason.AUTH_FAILED;
        }
        if (byteIndex == 64 || byteIndex == 65) {
            int lied = payloadLen ^ (1 << (bit + 8 * (byteIndex - 64)));
            if (lied > NetV1.MAX_PAYLOAD_SIZE) {
                return Reason.BAD_LENGTH;
            }
            return lied > payloadLen ? Reason.TRUNCATED : Reason.BAD_LENGTH;
        }
        if (byteIndex == 66 || byteIndex == 67) {
            int lied = eventCount ^ (1 << (bit + 8 * (byteIndex - 66)));
            return lied > NetV1.MAX_EVENTS_PER_PACKET ? Reason.TOO_MANY_EVENTS : Reason.AUTH_FAILED;
        }
        return Reason.AUTH_FAILED;
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noSingleBitFlipIsEverAcceptedExceptInHopCount(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        List<Supplier<byte[][]>> shapes = List.of(
                () -> new byte[0][],
                () -> new byte[][] {{42}},
                () -> new byte[][] {new byte[30], {}, new byte[61]},
                () -> new byte[][] {new byte[1000]});
        long counter = 0;
        Set<Long> accepted = new HashSet<>();
        try (PacketReceiver r = PacketReceiver.onBackend(backend, KEY, SESSION)) {
            for (Supplier<byte[][]> shape : shapes) {
                accepted.add(counter);
                byte[] packet = seal(backend, counter++, shape.get());
                for (int i = 0; i < packet.length; i++) {
                    for (int bit = 0; bit < 8; bit++) {
                        byte[] flipped = packet.clone();
                        flipped[i] ^= (byte) (1 << bit);
                        Reason expected = expectedForFlip(packet, i, bit, accepted);
                        if (expected == null) {
                            continue; // hop_count: opened below, once, so the counter is not replayed
                        }
                        assertEquals(expected, outcome(r, flipped),
                                "bit " + bit + " of byte " + i + " of a " + packet.length + "-byte packet");
                    }
                }
                byte[] hop = packet.clone();
                hop[6] = (byte) 0x5A;
                assertNull(outcome(r, hop), "a hop_count change must still open");
                assertEquals(Reason.REPLAYED, outcome(r, packet), "the original after its hop-changed twin");
            }
            // none of the thousands of forgeries moved the window: the next counter still opens
            assertNull(outcome(r, seal(backend, counter, new byte[] {1})));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noTruncationIsEverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, KEY, SESSION)) {
            byte[] packet = seal(backend, 0, new byte[200], new byte[3]);
            for (int len = 0; len < packet.length; len++) {
                assertEquals(Reason.TRUNCATED, outcome(r, Arrays.copyOf(packet, len)), "length " + len);
            }
            assertEquals(Reason.BAD_LENGTH, outcome(r, Arrays.copyOf(packet, packet.length + 1)));
            assertNull(outcome(r, packet));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void lyingLengthsAreNeverBelieved(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, KEY, SESSION)) {
            byte[] packet = seal(backend, 0, new byte[10]);
            for (int lie : new int[] {0xFFFF, NetV1.MAX_PAYLOAD_SIZE + 1, 0}) {
                byte[] p = packet.clone();
                ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putShort(64, (short) lie);
                // above the maximum, or (0) a packet longer than its header announces
                assertEquals(Reason.BAD_LENGTH, outcome(r, p), "payload_len " + lie);
            }
            byte[] p = packet.clone();
            ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putShort(66, (short) 0xFFFF);
            assertEquals(Reason.TOO_MANY_EVENTS, outcome(r, p));
            // authenticated plaintexts whose frames lie: the sender's key, so only the frames are wrong
            long c = 1;
            int[][] lies = {{-1}, {0x7FFFFFFF}, {11}, {9}, {4, 0}, {0, 0, 0}};
            for (int[] frameLengths : lies) {
                byte[] plain = PacketReceiverTest.frames(frameLengths, new byte[10]);
                for (int count : new int[] {frameLengths.length, frameLengths.length + 1, 0}) {
                    byte[] sealed = PacketReceiverTest.sealRaw(backend, KEY, SESSION, c++, 0, plain.length, count, plain);
                    assertEquals(Reason.BAD_FRAMES, outcome(r, sealed),
                            "frames " + Arrays.toString(frameLengths) + " with event_count " + count);
                }
            }
            assertNull(outcome(r, seal(backend, c, new byte[] {7})), "still opens valid packets");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void randomBytesAreNeverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        byte[] valid = seal(backend, 0, new byte[50]);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, KEY, SESSION)) {
            for (int i = 0; i < 20_000; i++) {
                byte[] junk = new byte[rnd.nextInt(i % 10 == 0 ? 9000 : 200)];
                rnd.nextBytes(junk);
                if (i % 2 == 0 && junk.length >= HEADER_SIZE) {
                    // a plausible header, random rest: gets past the cheap checks to the tag
                    System.arraycopy(valid, 0, junk, 0, HEADER_SIZE);
                    int payload = junk.length - HEADER_SIZE - NetV1.TAG_SIZE;
                    if (payload >= 0 && payload <= NetV1.MAX_PAYLOAD_SIZE) {
                        ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putShort(64, (short) payload);
                        ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN).putLong(16, rnd.nextInt(2000));
                    }
                }
                if (outcome(r, junk) == null) {
                    fail("random bytes were accepted (seed " + seed + ", case " + i + ")");
                }
            }
            assertNull(outcome(r, valid), "still opens valid packets");
        }
    }

    /**
     * Replays and reorderings against a model of the window: counters 0..N sent in random order
     * with duplicates, each accepted exactly when the model says so, with the model's reason.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void replaysAndReorderingsNeverDisagreeWithTheWindowModel(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        int n = 4000;
        byte[][] packets = new byte[n][];
        for (int c = 0; c < n; c++) {
            packets[c] = seal(backend, c, new byte[] {(byte) c});
        }
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            order.add(c);
        }
        // local shuffles (reorder within and beyond the window), plus duplicates and far jumps
        for (int i = 0; i < n; i++) {
            int j = Math.min(n - 1, Math.max(0, i + rnd.nextInt(2400) - 1200));
            Collections.swap(order, i, j);
        }
        for (int i = 0; i < 600; i++) {
            order.add(rnd.nextInt(order.size()), order.get(rnd.nextInt(order.size())));
        }
        Set<Integer> accepted = new HashSet<>();
        long highest = 0;
        boolean any = false;
        int window = 1024; // small enough that the shuffles above reach beyond it
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(window).build(KEY, SESSION)) {
            for (int step = 0; step < order.size(); step++) {
                int c = order.get(step);
                long top = any ? highest : 0;
                Reason expected;
                if (!any || c > top) {
                    expected = accepted.contains(c) ? Reason.REPLAYED : null;
                } else if (c <= top - window) {
                    expected = Reason.TOO_OLD;
                } else if (accepted.contains(c)) {
                    expected = Reason.REPLAYED;
                } else {
                    expected = null;
                }
                assertEquals(expected, outcome(r, packets[c]),
                        "counter " + c + " at step " + step + " (highest " + top + ", seed " + seed + ")");
                if (expected == null) {
                    accepted.add(c);
                    highest = Math.max(highest, c);
                    any = true;
                }
            }
        }
    }
}
