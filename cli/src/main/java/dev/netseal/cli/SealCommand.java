package dev.netseal.cli;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import dev.netseal.NetV1;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code netseal seal}: prints the hex of one data (or subprotocol) packet sealed under the
 * counter given, through {@link InsecureExplicitNonceCodec}. It exists to reproduce and check
 * packets byte for byte; it must never seal live traffic (a counter reused with the same key
 * breaks the cipher).
 */
final class SealCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("seal")
            .option("--key").option("--session").option("--counter").option("--stream").option("--seq")
            .option("--flags").option("--origin").option("--channel").option("--subprotocol")
            .repeatable("--event");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        byte[] key = o.key("--key");
        long session = o.unsigned("--session", 64);
        long counter = Counters.sealable(o, "--counter");
        long stream = o.unsigned("--stream", 64);
        long seq = o.unsigned("--seq", 64);
        int flags = (int) o.unsigned("--flags", 8, 0);
        long origin = o.unsigned("--origin", 64, 0);
        int channel = (int) o.unsigned("--channel", 16, 0);
        int subprotocol = (int) o.unsigned("--subprotocol", 16, 0);
        List<byte[]> events = o.allHex("--event");
        if ((flags & NetV1.FLAG_HANDSHAKE) != 0) {
            // A sealed packet with this flag could never be opened: receivers take it for clear text.
            throw new UsageException("seal: --flags has HANDSHAKE (0x10): use 'netseal handshake'");
        }
        byte[] packet;
        try {
            packet = InsecureExplicitNonceCodec.create().sealData(key, session, counter, stream, seq,
                    flags, origin, channel, subprotocol, events);
        } catch (IllegalArgumentException e) { // too many events, payload too large
            throw new UsageException("seal: " + e.getMessage());
        }
        out.println(Hex.encode(packet));
        return NetsealCli.OK;
    }
}
