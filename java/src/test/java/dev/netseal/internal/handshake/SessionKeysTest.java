package dev.netseal.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.junit.jupiter.api.Test;

/**
 * net-mesh's key schedule, recomputed here from its formula (the project's WIRE.md, "After the
 * handshake") on the cacophony vector's handshake hash: session_id = h[0..8) little-endian;
 * PRK = BLAKE2s-256 keyed with h over "net-kdf-v1"; K(info) = BLAKE2s-256 keyed with PRK over info.
 */
class SessionKeysTest {

    private static byte[] keyedBlake2s(byte[] key, String data) {
        Blake2sDigest d = new Blake2sDigest(key, 32, null, null);
        byte[] in = data.getBytes(StandardCharsets.US_ASCII);
        d.update(in, 0, in.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }

    @Test
    void sessionIdAndBothKeysFollowNetMeshsFormula() throws IOException {
        byte[] h = NoiseVectorTest.hex(NoiseVectorTest.vector(), "handshake_hash");
        long expectedId = 0;
        for (int i = 0; i < 8; i++) {
            expectedId |= (h[i] & 0xFFL) << (8 * i);
        }
        byte[] prk = keyedBlake2s(h, "net-kdf-v1");
        byte[] initiatorTx = keyedBlake2s(prk, "initiator-tx");
        byte[] initiatorRx = keyedBlake2s(prk, "initiator-rx");
        try (SessionKeys keys = SessionKeys.derive(h)) {
            assertEquals(expectedId, keys.sessionId());
            assertEquals(0xf3416f06d49bd66bL, keys.sessionId(), "the vector's first 8 bytes, little-endian");
            assertArrayEquals(initiatorTx, keys.sealingKey(true), "the initiator seals with K(initiator-tx)");
            assertArrayEquals(initiatorRx, keys.openingKey(true), "the initiator opens with K(initiator-rx)");
            assertArrayEquals(initiatorRx, keys.sealingKey(false), "the responder seals with K(initiator-rx)");
            assertArrayEquals(initiatorTx, keys.openingKey(false), "the responder opens with K(initiator-tx)");
            assertFalse(Arrays.equals(initiatorTx, initiatorRx), "one key per direction");
        }
    }

    @Test
    void closeWipesBothKeys() throws IOException {
        byte[] h = NoiseVectorTest.hex(NoiseVectorTest.vector(), "handshake_hash");
        SessionKeys keys = SessionKeys.derive(h);
        byte[] tx = keys.sealingKey(true);
        byte[] rx = keys.openingKey(true);
        keys.close();
        assertArrayEquals(new byte[32], tx);
        assertArrayEquals(new byte[32], rx);
        assertEquals("SessionKeys[session " + Long.toUnsignedString(keys.sessionId()) + ", keys hidden]",
                keys.toString());
    }
}
