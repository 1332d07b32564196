package dev.netseal.cli;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import java.io.PrintStream;
import java.util.List;

/** {@code netseal handshake PAYLOAD_HEX}: prints the hex of a handshake packet (sent in clear). */
final class HandshakeCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("handshake").positional("PAYLOAD_HEX");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        byte[] payload = o.positionalHex(0, "PAYLOAD_HEX");
        if (payload.length > PacketProblems.MAX_HANDSHAKE_PAYLOAD) {
            throw new UsageException("handshake: PAYLOAD_HEX is " + payload.length + " bytes, at most "
                    + PacketProblems.MAX_HANDSHAKE_PAYLOAD + " fit in a packet");
        }
        out.println(Hex.encode(InsecureExplicitNonceCodec.handshake(payload)));
        return NetsealCli.OK;
    }
}
