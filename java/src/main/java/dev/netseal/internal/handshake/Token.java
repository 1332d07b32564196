package dev.netseal.internal.handshake;

/** The tokens of a Noise message pattern (spec, section 7). */
enum Token {
    /** An ephemeral public key. */
    E,
    /** A static public key (only in NKpsk0's pre-message here). */
    S,
    /** DH(initiator's ephemeral, responder's ephemeral). */
    EE,
    /** DH(initiator's ephemeral, responder's static). */
    ES,
    /** The pre-shared key, mixed in with MixKeyAndHash. */
    PSK
}
