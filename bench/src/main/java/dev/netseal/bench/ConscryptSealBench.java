package dev.netseal.bench;

import java.security.GeneralSecurityException;
import java.security.Provider;
import javax.crypto.Cipher;
import org.conscrypt.Conscrypt;

/**
 * Row seal / conscrypt: Conscrypt (BoringSSL) as a JCE provider,
 * {@code Cipher.getInstance("ChaCha20/Poly1305/NoPadding", conscrypt)}, the byte[] path, shaped
 * as {@link AbstractCipherSealBench} says. If Conscrypt's native library does not load, setup
 * fails with a message containing {@code UNAVAILABLE: conscrypt}, which run.sh's summary reports
 * as the reason the row is missing.
 */
public class ConscryptSealBench extends AbstractCipherSealBench {

    @Override
    protected Cipher newCipher() throws GeneralSecurityException {
        Provider provider;
        try {
            Conscrypt.checkAvailability();
            provider = Conscrypt.newProvider();
        } catch (Throwable t) {
            throw new IllegalStateException("[bench] UNAVAILABLE: conscrypt: its native library did not load: "
                    + t, t);
        }
        return Cipher.getInstance("ChaCha20/Poly1305/NoPadding", provider);
    }

    @Override
    protected String describe(Cipher cipher) {
        return "conscrypt " + Conscrypt.version().major() + "." + Conscrypt.version().minor() + "."
                + Conscrypt.version().patch() + ", cipher from " + cipher.getProvider().getName();
    }
}
