package dev.netseal.cli;

import dev.netseal.Identity;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code netseal keygen}: a new static X25519 identity, as {@code private: <64 hex>} and
 * {@code public: <64 hex>}. The private key goes to {@code listen --static-key}; the public key to
 * every initiator's {@code connect --peer-key}.
 */
final class KeygenCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("keygen");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        SPEC.parse(args);
        try (Identity id = Identity.generate()) {
            byte[] secret = id.exportPrivateKey();
            try {
                out.println("private: " + Hex.encode(secret));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
            out.println("public: " + Hex.encode(id.publicKey()));
        }
        return NetsealCli.OK;
    }
}
