package dev.netseal.cli;

import dev.netseal.NetV1;
import dev.netseal.PacketException.Reason;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code netseal demo}: seals and opens UDP traffic on the loopback interface for a bounded time
 * ({@link LoopbackDemo}), with a progress line every second and a summary. Exits 0 when something
 * was opened, no nonce repeated, and nothing failed an integrity check; 1 otherwise.
 */
final class DemoCommand implements Command {
    /** The longest run: the demo is bounded, and its counter bitmap grows with the packets. */
    static final double MAX_SECONDS = 600;
    /** The largest event one packet carries (its 4-byte length prefix takes the rest). */
    static final int MAX_EVENT_SIZE = NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE;

    private static final Options.Spec SPEC = Options.spec("demo")
            .option("--threads").option("--seconds").option("--size").option("--port").option("--address")
            .option("--loss").option("--loss-burst").option("--reorder");

    private final boolean live;

    /**
     * @param live rewrite the progress line in place (a terminal) rather than print one per second
     */
    DemoCommand(boolean live) {
        this.live = live;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        int threads = o.intInRange("--threads", 1, 64, 2);
        double seconds = o.seconds("--seconds", MAX_SECONDS, 5);
        int size = o.intInRange("--size", 0, MAX_EVENT_SIZE, 64);
        int port = o.intInRange("--port", 0, 65535, 0);
        InetAddress address = loopback(o.optional("--address"));
        double loss = o.percent("--loss", 0) / 100;
        int burst = o.intInRange("--loss-burst", 0, 10_000_000, 0);
        int reorder = o.intInRange("--reorder", 0, LoopbackDemo.MAX_REORDER, 0);
        LoopbackDemo.Config config = new LoopbackDemo.Config(threads, seconds, size, address, port,
                LoopbackDemo.DEFAULT_RECEIVE_BUFFER, loss, burst, reorder);

        LoopbackDemo.Result r;
        try {
            r = LoopbackDemo.run(config, new Printer(out, config));
        } catch (IOException e) {
            if (live) {
                out.println();
            }
            err.println("netseal: demo: " + e);
            return NetsealCli.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("netseal: demo: interrupted");
            return NetsealCli.FAILED;
        }
        if (live) {
            out.println(); // end the line rewritten in place
        }
        summary(out, r);
        for (String e : r.errors()) {
            err.println("netseal: demo: " + e);
        }
        return r.ok() ? NetsealCli.OK : NetsealCli.FAILED;
    }

    /**
     * The address to use, which must be a loopback address: the demo sends a flood of packets and
     * must never put them on a real network. Only literals and {@code localhost} are accepted, so
     * that no name lookup can turn into another machine.
     */
    static InetAddress loopback(String text) throws UsageException {
        if (text == null || text.equals("localhost")) {
            return literal("127.0.0.1"); // not getLoopbackAddress(): that may be ::1
        }
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!t.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !t.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new UsageException("demo: --address " + text + " is not an IP address literal"
                    + " (use 127.0.0.1, ::1 or localhost)");
        }
        InetAddress a = literal(t);
        if (!a.isLoopbackAddress()) {
            throw new UsageException("demo: --address " + text + " refused: not a loopback address;"
                    + " the demo only sends to this machine (127.0.0.0/8 or ::1)");
        }
        return a;
    }

    private static InetAddress literal(String t) throws UsageException {
        try {
            return InetAddress.getByName(t); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new UsageException("demo: --address " + t + " is not a valid IP address");
        }
    }

    private static void summary(PrintStream out, LoopbackDemo.Result r) {
        out.println("sent: " + r.sent());
        if (r.dropped() > 0) {
            out.println("dropped before sending (--loss, --loss-burst): " + r.dropped());
        }
        out.println("received: " + r.received());
        out.println("opened: " + r.opened());
        out.println("refused: " + refusals(r.refused()));
        out.println("lost (sent - received): " + r.lost());
        out.println("repeated nonces: " + r.repeated()
                + (r.untracked() > 0 ? " (" + r.untracked() + " counters too large to track)" : ""));
        out.printf("pacing: senders waited for the receiver %d time(s), %d of them until it found its socket empty (drops)%n",
                r.senderWaits(), r.resumed());
        out.printf("rate: %.0f packets/s opened, %.1f MB/s received, over %.2f s%n",
                r.opened() / r.seconds(), r.bytes() / r.seconds() / 1e6, r.seconds());
        out.println("backend: " + r.backend());
        out.println("result: " + verdict(r));
    }

    private static String refusals(Map<Reason, Long> refused) {
        if (refused.isEmpty()) {
            return "0";
        }
        long total = 0;
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Reason, Long> e : refused.entrySet()) {
            total += e.getValue();
            parts.add(e.getKey() + " " + e.getValue());
        }
        return total + " (" + String.join(", ", parts) + ")";
    }

    private static String verdict(LoopbackDemo.Result r) {
        if (r.ok()) {
            return "OK";
        }
        List<String> why = new ArrayList<>();
        if (r.repeated() > 0) {
            why.add(r.repeated() + " repeated nonce(s)");
        }
        if (r.integrityFailures() > 0) {
            why.add(r.integrityFailures() + " packet(s) failed an integrity check");
        }
        if (r.opened() == 0) {
            why.add("nothing was opened");
        }
        if (!r.errors().isEmpty()) {
            why.add(r.errors().size() + " thread error(s)");
        }
        return "FAILED (" + String.join(", ", why) + ")";
    }

    /** Prints the run's start and its progress lines. */
    private final class Printer implements LoopbackDemo.Listener {
        private final PrintStream out;
        private final LoopbackDemo.Config config;

        Printer(PrintStream out, LoopbackDemo.Config config) {
            this.out = out;
            this.config = config;
        }

        @Override
        public void started(InetSocketAddress receiver, int receiveBuffer, int inFlightCap, String backend) {
            out.printf("netseal demo: %d sender thread(s) -> %s:%d over UDP, %d-byte events (%d-byte packets), %s s%n",
                    config.threads(), receiver.getAddress().getHostAddress(), receiver.getPort(),
                    config.eventSize(), config.packetSize(), trim(config.seconds()));
            out.println("backend: " + backend);
            // Java reports half of what Linux charges against the buffer: both are "the size".
            out.printf("receive buffer: %d bytes (asked %d%s); at most %d packets in flight%n",
                    receiveBuffer, config.receiveBuffer(),
                    receiveBuffer < config.receiveBuffer() ? ", capped by net.core.rmem_max" : "", inFlightCap);
        }

        @Override
        public void handshakes(int sessions, double millis, long sessionId) {
            out.printf("handshakes: %d session(s) established in %.1f ms (Noise NKpsk0, one key per direction);"
                    + " session %s%n", sessions, millis, Long.toUnsignedString(sessionId));
        }

        @Override
        public void tick(double elapsed, long packetsPerSecond, double megabytesPerSecond, long drops) {
            String line = String.format("[%4.0f s] %d packets/s, %.1f MB/s, drops so far: %d",
                    elapsed, packetsPerSecond, megabytesPerSecond, drops);
            if (live) {
                out.print("\r" + line + "   ");
                out.flush();
            } else {
                out.println(line);
            }
        }
    }

    private static String trim(double seconds) {
        return java.math.BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
    }
}
