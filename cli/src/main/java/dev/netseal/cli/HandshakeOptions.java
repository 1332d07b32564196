package dev.netseal.cli;

import dev.netseal.PresharedKey;
import java.util.Arrays;

/** The options {@code listen} and {@code connect} share: the mesh's PSK and the prologue. */
final class HandshakeOptions {
    private HandshakeOptions() {}

    /** {@code --psk}: 32 bytes in hex, into the guarded key memory (the parsed copy is wiped). */
    static PresharedKey psk(Options o) throws UsageException {
        byte[] bytes = o.key("--psk");
        try {
            return PresharedKey.of(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** {@code --prologue}: hex, empty when absent (as on net-mesh's point-to-point links). */
    static byte[] prologue(Options o, String command) throws UsageException {
        String v = o.optional("--prologue");
        return v == null ? new byte[0] : Hex.decode(command + " --prologue", v);
    }
}
