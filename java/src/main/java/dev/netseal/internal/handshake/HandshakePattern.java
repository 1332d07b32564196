package dev.netseal.internal.handshake;

import java.util.List;

/**
 * A Noise handshake pattern as data: its pre-messages and its message token lists, which
 * {@link HandshakeState} walks (spec, sections 5.3 and 7). Only the pattern netseal runs is
 * defined; the walker does not know its name.
 */
record HandshakePattern(String name, List<Token> initiatorPreMessage, List<Token> responderPreMessage,
                        List<List<Token>> messages) {

    /**
     * NKpsk0 (spec, sections 7.4 and 9.4):
     * <pre>
     *   &lt;- s
     *   ...
     *   -&gt; psk, e, es
     *   &lt;- e, ee
     * </pre>
     */
    static final HandshakePattern NK_PSK0 = new HandshakePattern("NKpsk0",
            List.of(),
            List.of(Token.S),
            List.of(List.of(Token.PSK, Token.E, Token.ES), List.of(Token.E, Token.EE)));

    /** True when the pattern has a psk token (then every "e" token also calls MixKey). */
    boolean isPsk() {
        return messages.stream().anyMatch(m -> m.contains(Token.PSK));
    }

    /** The full protocol name with the primitives netseal uses. */
    String protocolName() {
        return "Noise_" + name + "_25519_ChaChaPoly_BLAKE2s";
    }
}
