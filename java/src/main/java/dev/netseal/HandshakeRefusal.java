package dev.netseal;

/**
 * Why a {@link DatagramEndpoint} dropped a handshake packet. Each is counted
 * ({@link DatagramEndpoint#handshakeRefusals}); none makes an exception or a string.
 */
public enum HandshakeRefusal {
    /** Not a well-formed handshake packet (header fields, lengths: see {@link HandshakeReader#refusal}). */
    MALFORMED,
    /** A message 1 shorter than an ephemeral key and a tag (48 bytes). */
    MESSAGE1_WRONG_LENGTH,
    /**
     * A message 1 whose tag did not verify. The responder cannot tell why, by design of the
     * handshake: a wrong pre-shared key, an initiator that expected another responder key, and
     * a prologue that differs all look the same.
     */
    MESSAGE1_AUTH_FAILED,
    /** A message 1 with an initiator ephemeral key already seen in the replay period. */
    MESSAGE1_REPLAYED,
    /**
     * A message 1 at a responder whose identity or pre-shared key is closed. (An endpoint built
     * without {@code accept} counts what it cannot read as {@link #NO_PENDING_HANDSHAKE}: both
     * messages have one shape.)
     */
    NOT_ACCEPTING,
    /** A message 2 from an address with no handshake of ours pending. */
    NO_PENDING_HANDSHAKE,
    /** A message 2 shorter than an ephemeral key and a tag. */
    MESSAGE2_WRONG_LENGTH,
    /** A message 2 whose tag did not verify (the pending handshake stays pending). */
    MESSAGE2_AUTH_FAILED,
    /** A message whose ephemeral key is a low-order point: X25519 gave all zeros. */
    WEAK_KEY,
    /** A complete handshake whose session id is already in use here (the session is not made). */
    SESSION_ID_IN_USE,
    /**
     * A message 1 from a source that sent more than {@link SessionPolicy#handshakesPerSecondPerSource()}
     * this second: dropped before any DH.
     */
    PACED,
    /**
     * A message 1 that found the responder's queue full ({@link DatagramEndpoint#HANDSHAKE_QUEUE}):
     * the responder is busy with the DH of earlier ones; dropped before any DH.
     */
    BUSY
}
