package dev.netseal.bench;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;

/**
 * Row seal / jce: the running JDK's own {@code Cipher "ChaCha20-Poly1305"} (SunJCE), shaped as
 * {@link AbstractCipherSealBench} says. run.sh runs this class on JDK 17 and, when installed,
 * JDK 25.
 */
public class JceSealBench extends AbstractCipherSealBench {

    @Override
    protected Cipher newCipher() throws GeneralSecurityException {
        return Cipher.getInstance("ChaCha20-Poly1305");
    }

    @Override
    protected String describe(Cipher cipher) {
        return "jce provider: " + cipher.getProvider() + " on " + System.getProperty("java.vm.version");
    }
}
