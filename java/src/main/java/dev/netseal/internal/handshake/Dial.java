package dev.netseal.internal.handshake;

import dev.netseal.NetV1;

/**
 * What an initiator's handshake is made of, kept by its session to run it again (a
 * re-handshake): the responder's static public key, the pre-shared key, the prologue and the
 * message 1 payload.
 *
 * @param responderKey the responder's static public key (32 bytes)
 * @param psk the pre-shared key, held by each attempt while it writes its message 1
 * @param prologue the prologue
 * @param payload the message 1 payload
 */
@SuppressWarnings("ArrayRecordComponent") // carried, never compared or hashed: no equals on the arrays
public record Dial(byte[] responderKey, LentKey psk, byte[] prologue, byte[] payload) {
    /** The largest payload a handshake message carries: a packet's, less the message's key and tag. */
    public static final int MAX_PAYLOAD = NetV1.MAX_HANDSHAKE_PAYLOAD - HandshakeState.messageLength(0);

    /**
     * Checks that a message's payload fits one handshake packet with the message's key and tag.
     *
     * @param payload the payload
     * @throws IllegalArgumentException if it does not
     */
    public static void checkPayload(byte[] payload) {
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("handshake payload is " + payload.length + " bytes, at most "
                    + MAX_PAYLOAD);
        }
    }
}
