package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.PacketReceiverTest.SESSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.BrokenInvariantTest.FailingBackend;
import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where receive-side keys end, and what a closed or misused session table says: written against
 * mutants that survived the mutation run (-Pmutation). The backend here records every key it
 * imports, so a key left unwiped shows.
 */
class KeyLifetimeInvariantTest {


    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void codecNeverLeavesAKeyUnwiped(String backendName) throws Exception {
        FailingBackend recording = new FailingBackend(TestBackends.get(backendName), Integer.MAX_VALUE, false);
        InsecureExplicitNonceCodec codec = Codecs.on(recording);
        byte[] k = key(1);
        byte[] p = codec.sealData(k, SESSION, 7, 1, 1, 0, 0L, 0, 0, List.of(new byte[] {1}));
        assertEquals(1, recording.keys.size());
        assertTrue(recording.keys.get(0).isDestroyed(), "sealData left its key unwiped");
        assertEquals(7, codec.open(k, SESSION, p).counter());
        assertEquals(2, recording.keys.size());
        assertTrue(recording.keys.get(1).isDestroyed(), "open left its key unwiped");
        byte[] tampered = p.clone();
        tampered[tampered.length - 1] ^= 1;
        assertEquals(Reason.AUTH_FAILED, assertThrows(PacketException.class,
                () -> codec.open(k, SESSION, tampered)).reason());
        for (AeadKey imported : recording.keys) {
            assertTrue(imported.isDestroyed(), "a refused open left its key unwiped");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void codecNeverSealsAFieldOutOfRange(String backendName) {
        InsecureExplicitNonceCodec codec = Codecs.on(TestBackends.get(backendName));
        byte[] k = key(2);
        List<byte[]> one = List.of(new byte[] {1});
        assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, 0x10000, 0, one), "channelHash 65536");
        assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, -1, 0, one), "channelHash -1");
        assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, 0, 0x10000, one), "subprotocolId 65536");
        assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 1, 1, 1, NetV1.FLAG_HANDSHAKE, 0L, 0, 0, one),
                "a data packet flagged as a handshake");
        byte[] edge = codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, 0xFFFF, 0xFFFF, one);
        assertEquals(NetV1.HEADER_SIZE + 4 + 1 + NetV1.TAG_SIZE, edge.length);
    }

    /**
     * A second rekey inside the grace period: the key two generations back is wiped at once and
     * its packets are refused; the previous one still opens.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondRekeyNeverKeepsTheOldestKey(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(3);
        byte[] k2 = key(4);
        byte[] k3 = key(5);
        PacketReceiverTest.Sealer s1 = new PacketReceiverTest.Sealer(backend, k1, SESSION);
        PacketReceiverTest.Sealer s2 = new PacketReceiverTest.Sealer(backend, k2, SESSION + 1);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).previousKeyGrace(Duration.ofMinutes(5))
                .build(k1, SESSION)) {
            ReceiveKey first = r.session.keys().current;
            r.rekey(k2, SESSION + 1);
            ReceiveKey second = r.session.keys().current;
            assertFalse(first.key.isDestroyed(), "the previous key was wiped inside its grace period");
            PacketReceiverTest.opens(r, s1.numbered(1));
            r.rekey(k3, SESSION + 2);
            assertTrue(first.key.isDestroyed(), "a second rekey left the oldest key unwiped");
            assertTrue(first.isRetired());
            assertFalse(second.key.isDestroyed());
            assertEquals(Reason.WRONG_SESSION, PacketReceiverTest.refusal(r, s1.numbered(2)));
            PacketReceiverTest.opens(r, s2.numbered(1));
            assertTrue(r.dropPreviousKey());
            assertTrue(second.key.isDestroyed(), "dropPreviousKey() left the key unwiped");
            assertFalse(r.dropPreviousKey(), "there was no previous key left to drop");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sessionTableNeverKeepsARefusedKeyNorAnswersAfterClose(String backendName) {
        FailingBackend recording = new FailingBackend(TestBackends.get(backendName), Integer.MAX_VALUE, false);
        SessionTable table = SessionTable.builderOnBackend(recording).build();
        table.add(key(6), SESSION);
        IllegalStateException dup = assertThrows(IllegalStateException.class, () -> table.add(key(7), SESSION));
        assertTrue(dup.getMessage().contains("already in the table"), dup.getMessage());
        assertEquals(2, recording.keys.size());
        assertFalse(recording.keys.get(0).isDestroyed(), "the session in the table lost its key");
        assertTrue(recording.keys.get(1).isDestroyed(), "a refused add left its key unwiped");
        assertFalse(table.dropPreviousKey(SESSION), "there was no previous key to drop");
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> table.dropPreviousKey(SESSION + 9));
        assertTrue(unknown.getMessage().contains("no session"), unknown.getMessage());
        table.close();
        assertTrue(recording.keys.get(0).isDestroyed(), "close() left a session's key unwiped");
        for (Runnable use : List.<Runnable>of(() -> table.add(key(8), SESSION + 1),
                () -> table.dropPreviousKey(SESSION), () -> table.rekey(SESSION, key(9), SESSION + 2))) {
            IllegalStateException closed = assertThrows(IllegalStateException.class, use::run);
            assertTrue(closed.getMessage().contains("closed"), "a closed table must say so: " + closed.getMessage());
        }
        table.close(); // idempotent
    }
}
