package dev.netseal.interop;

import dev.netseal.internal.aead.AeadBackend;

/** Test access to the codec on a chosen backend (the API picks the active one). */
public final class Codecs {
    private Codecs() {}

    public static InsecureExplicitNonceCodec on(AeadBackend backend) {
        return InsecureExplicitNonceCodec.onBackend(backend);
    }
}
