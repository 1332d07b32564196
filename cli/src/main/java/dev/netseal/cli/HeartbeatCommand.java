package dev.netseal.cli;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import java.io.PrintStream;
import java.util.List;

/** {@code netseal heartbeat}: prints the hex of one heartbeat sealed under the counter given. */
final class HeartbeatCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("heartbeat")
            .option("--key").option("--session").option("--counter");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        byte[] key = o.key("--key");
        long session = o.unsigned("--session", 64);
        long counter = Counters.sealable(o, "--counter");
        out.println(Hex.encode(InsecureExplicitNonceCodec.create().sealHeartbeat(key, session, counter)));
        return NetsealCli.OK;
    }
}
