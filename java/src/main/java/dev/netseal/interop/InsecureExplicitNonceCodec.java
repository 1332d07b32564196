package dev.netseal.interop;

import dev.netseal.NetV1;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException;
import dev.netseal.internal.keys.Keys;
import dev.netseal.internal.receive.PacketOpener;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.internal.receive.ReceiveSession;
import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.wire.Limits;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * DANGEROUS: seals with a counter the CALLER chooses. Sealing two packets with the same key and
 * counter breaks ChaCha20-Poly1305 (it leaks the XOR of the plaintexts and lets an attacker forge
 * packets). This exists for tests, interop checks and tools that must reproduce a given packet
 * byte for byte; servers seal through a pool, which owns the counter.
 *
 * <p>Stateless and thread-safe; slow on purpose-free paths (it allocates per call).
 */
public final class InsecureExplicitNonceCodec {
    private final AeadBackend backend;

    private InsecureExplicitNonceCodec(AeadBackend backend) {
        this.backend = backend;
    }

    /**
     * A codec on the active backend.
     *
     * @return a codec that seals and opens with the backend {@link dev.netseal.Netseal#backendDescription()}
     *         names
     */
    public static InsecureExplicitNonceCodec create() {
        return new InsecureExplicitNonceCodec(Backends.active());
    }

    static InsecureExplicitNonceCodec onBackend(AeadBackend backend) {
        return new InsecureExplicitNonceCodec(backend);
    }

    /**
     * Seals a data (or subprotocol) packet under an explicit counter.
     *
     * @param key the 32-byte ChaCha20-Poly1305 key
     * @param sessionId the session id; its two halves XORed give the nonce prefix
     * @param counter the nonce counter: never the same twice under one key and prefix, never
     *        2^64-1
     * @param streamId the stream id header field
     * @param sequence the sequence header field
     * @param flags the flag bits ({@code NetV1.FLAG_*}), not handshake or heartbeat
     * @param originHash the origin_hash header field
     * @param channelHash the channel_hash header field, 0..65535
     * @param subprotocolId the subprotocol_id header field, 0..65535
     * @param events the events, each framed with its 4-byte length; they must fit one packet
     * @return the sealed packet: header, ciphertext, tag
     * @throws IllegalArgumentException if a field is out of range or the events do not fit
     */
    public byte[] sealData(byte[] key, long sessionId, long counter, long streamId, long sequence,
                           int flags, long originHash, int channelHash, int subprotocolId,
                           List<byte[]> events) {
        long payload = 0;
        for (byte[] e : events) {
            payload += NetV1.EVENT_PREFIX_SIZE + e.length;
        }
        Limits.checkFits(events.size(), payload);
        Limits.checkSealedFlags(flags);
        Limits.checkU16("channelHash", channelHash);
        Limits.checkU16("subprotocolId", subprotocolId);
        ByteBuffer buf = backend.allocate(MAX_PACKET_SIZE + AAD_SIZE);
        Wire.writeHeaderStart(buf, 0, flags, subprotocolId, channelHash, sessionId, streamId, sequence, originHash);
        int pos = HEADER_SIZE;
        for (byte[] e : events) {
            buf.putInt(pos, e.length);
            buf.put(pos + NetV1.EVENT_PREFIX_SIZE, e);
            pos += NetV1.EVENT_PREFIX_SIZE + e.length;
        }
        return seal(buf, key, sessionId, counter, pos - HEADER_SIZE, events.size());
    }

    /**
     * Seals a heartbeat (no events) under an explicit counter.
     *
     * @param key the 32-byte key
     * @param sessionId the session id
     * @param counter the nonce counter, never reused under one key and prefix
     * @return the sealed heartbeat packet
     */
    public byte[] sealHeartbeat(byte[] key, long sessionId, long counter) {
        ByteBuffer buf = backend.allocate(MAX_PACKET_SIZE + AAD_SIZE);
        Wire.writeHeaderStart(buf, 0, NetV1.FLAG_HEARTBEAT, 0, 0, sessionId, 0L, 0L, 0L);
        return seal(buf, key, sessionId, counter, 0, 0);
    }

    /**
     * A handshake packet (not sealed: no key, no counter).
     *
     * @param payload the handshake message, carried in clear
     * @return the packet: the header, then the payload
     * @throws IllegalArgumentException if the payload does not fit one packet
     */
    public static byte[] handshake(byte[] payload) {
        return Wire.handshakePacket(payload);
    }

    /**
     * Opens one packet with every check a receiver makes except the replay window (there is no
     * history here).
     *
     * @param key the 32-byte key
     * @param sessionId the session the packet must belong to
     * @param packet the packet; it is copied, never changed
     * @return the opened packet (on a private copy)
     * @throws PacketException if any check fails, with the reason
     */
    public OpenedPacket open(byte[] key, long sessionId, byte[] packet) throws PacketException {
        ByteBuffer copy = ByteBuffer.wrap(packet.clone());
        OpenedPacket out = new OpenedPacket();
        if (PacketOpener.checkShape(copy, 0, packet.length, out)) {
            ReceiveKey k = new ReceiveKey(backend.importKey(Keys.check(key)), sessionId, null);
            try {
                if (PacketOpener.openWithKeys(backend, new ReceiveSession.KeySet(k, null), copy, 0, packet.length, out,
                        false)) {
                    return out;
                }
            } finally {
                k.retire();
            }
        }
        throw out.refusalException();
    }

    private byte[] seal(ByteBuffer buf, byte[] key, long sessionId, long counter, int payloadLen, int events) {
        if (counter == -1L) {
            throw new IllegalArgumentException("counter 2^64-1 is never used");
        }
        Wire.writeLengths(buf, 0, payloadLen, events);
        int prefix = Wire.noncePrefix(sessionId);
        Wire.writeNonce(buf, 0, prefix, counter);
        Wire.writeAad(buf, 0, buf, MAX_PACKET_SIZE);
        AeadKey k = backend.importKey(Keys.check(key));
        try {
            AeadCipher cipher = backend.newCipher();
            cipher.seal(k, prefix, counter, buf, MAX_PACKET_SIZE, AAD_SIZE, buf, HEADER_SIZE, payloadLen);
        } finally {
            k.destroy();
        }
        byte[] out = new byte[Wire.sealedLength(payloadLen)];
        buf.get(0, out);
        return out;
    }
}
