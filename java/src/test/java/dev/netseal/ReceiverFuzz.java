package dev.netseal;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The long-run receiver fuzz: not part of the default test run (tag "fuzz"). Run it with
 * {@code bin/fuzz-receiver [SECONDS]}. For the given time per backend it mutates valid packets
 * (bit flips, byte overwrites, truncations, extensions, splices, header fields that lie) and
 * requires every mutant to be refused with a PacketException (a hop_count-only change may open),
 * and every original to open afterwards. It prints the count per reason.
 */
@Tag("fuzz")
class ReceiverFuzz {

    private static final long SESSION = 0x0F0E0D0C0B0A0908L;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void mutantsAreNeverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        long seconds = Long.getLong("netseal.fuzz.seconds", 60);
        long seed = Long.getLong("netseal.fuzz.seed", TestSeeds.seed()); // or -Dnetseal.test.seed
        Random rnd = new Random(seed);
        byte[] key = new byte[32];
        rnd.nextBytes(key);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        Map<Reason, Long> reasons = new EnumMap<>(Reason.class);
        long mutants = 0;
        long hopOnly = 0;
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long counter = 0;
        try (PacketReceiver r = PacketReceiver.onBackend(backend, key, SESSION)) {
            while (System.nanoTime() < deadline) {
                byte[][] events = new byte[rnd.nextInt(4)][];
                for (int i = 0; i < events.length; i++) {
                    events[i] = new byte[rnd.nextInt(rnd.nextBoolean() ? 40 : 2000)];
                    rnd.nextBytes(events[i]);
                }
                byte[] original = codec.sealData(key, SESSION, counter++, rnd.nextLong(), rnd.nextLong(),
                        rnd.nextInt(256) & ~NetV1.FLAG_HANDSHAKE, rnd.nextLong(), rnd.nextInt(65536), 0,
                        List.of(events));
                byte[] other = codec.sealData(key, SESSION, counter++, 1, 2, 0, 3, 4, 0, List.of(new byte[rnd.nextInt(100)]));
                for (int m = 0; m < 200; m++) {
                    byte[] mutant = mutate(rnd, original, other);
                    if (Arrays.equals(mutant, original) || Arrays.equals(mutant, other)) {
                        continue; // a splice can rebuild a valid packet whole: not a forgery
                    }
                    mutants++;
                    boolean onlyHop = mutant.length == original.length && differsOnlyAtHopCount(mutant, original);
                    Reason reason = HostileReceiverInputTest.outcome(r, mutant);
                    if (reason == null) {
                        if (!onlyHop) {
                            fail("a mutant was accepted (seed " + seed + "): " + java.util.HexFormat.of().formatHex(mutant));
                        }
                        hopOnly++;
                        break; // its counter is now used: the original would be a replay
                    }
                    reasons.merge(reason, 1L, Long::sum);
                }
                Reason last = HostileReceiverInputTest.outcome(r, original);
                if (last != null && last != Reason.REPLAYED) {
                    fail("the original stopped opening after its mutants: " + last + " (seed " + seed + ")");
                }
                assertNull(HostileReceiverInputTest.outcome(r, other), "seed " + seed);
            }
        }
        System.out.printf("[fuzz] %s: %d mutants in %d s (seed %d), %d hop-only accepted; refused by reason: %s%n",
                backendName, mutants, seconds, seed, hopOnly, reasons);
        assertEquals(mutants - hopOnly, reasons.values().stream().mapToLong(Long::longValue).sum());
    }

    private static boolean differsOnlyAtHopCount(byte[] a, byte[] b) {
        for (int i = 0; i < a.length; i++) {
            if (i != 6 && a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] mutate(Random rnd, byte[] p, byte[] other) {
        byte[] m = p.clone();
        switch (rnd.nextInt(8)) {
            case 0: { // bit flips
                int flips = 1 + rnd.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                return m;
            }
            case 1: // a byte overwritten
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
                return m;
            case 2: // truncated
                return Arrays.copyOf(p, rnd.nextInt(p.length));
            case 3: { // extended
                byte[] longer = Arrays.copyOf(p, p.length + 1 + rnd.nextInt(64));
                for (int i = p.length; i < longer.length; i++) {
                    longer[i] = (byte) rnd.nextInt(256);
                }
                return longer;
            }
            case 4: { // spliced: this header, another packet's body (or the reverse)
                int cut = rnd.nextInt(Math.min(p.length, other.length));
                byte[] s = Arrays.copyOf(p, Math.max(p.length, other.length));
                System.arraycopy(other, cut, s, cut, other.length - cut);
                return Arrays.copyOf(s, rnd.nextBoolean() ? p.length : other.length);
            }
            case 5: { // a header field that lies
                ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
                int[] fields = {64, 66, 24, 16, 12};
                int f = fields[rnd.nextInt(fields.length)];
                if (f >= 64) {
                    b.putShort(f, (short) (rnd.nextBoolean() ? 0xFFFF : rnd.nextInt(65536)));
                } else if (f == 12) {
                    b.putInt(f, rnd.nextInt());
                } else {
                    b.putLong(f, rnd.nextBoolean() ? -1L : rnd.nextLong());
                }
                return m;
            }
            case 6: // hop_count only: may open
                m[6] = (byte) rnd.nextInt(256);
                return m;
            default: { // the tag
                m[m.length - 1 - rnd.nextInt(16)] ^= (byte) (1 + rnd.nextInt(255));
                return m;
            }
        }
    }
}
