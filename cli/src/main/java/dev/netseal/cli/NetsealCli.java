package dev.netseal.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code netseal} command line: looks at the backend, runs the loopback demo, makes
 * identities and sessions by handshake ({@code keygen}, {@code listen}, {@code connect}), and
 * seals, opens and inspects single Net v1 packets. {@code bin/netseal} builds the jars and runs this.
 *
 * <p>Exit status: {@link #OK}; {@link #FAILED} when a packet is refused, inspect finds a problem,
 * or the demo fails its checks (the reason on stderr); {@link #USAGE} for bad arguments (the
 * problem and the usage on stderr).
 */
public final class NetsealCli {
    /** Exit status: done. */
    public static final int OK = 0;
    /** Exit status: a packet was refused, or a check failed; the reason is on stderr. */
    public static final int FAILED = 1;
    /** Exit status: the arguments were wrong; the problem and the usage are on stderr. */
    public static final int USAGE = 2;

    static final String USAGE_TEXT = String.join("\n",
            "usage: netseal COMMAND [ARGS]",
            "",
            "  info                              backend in use and why, Java, CPU features, arch",
            "  demo [--threads N] [--seconds S] [--size BYTES] [--port P] [--address LOOPBACK]",
            "       [--loss PERCENT] [--loss-burst N] [--reorder DEPTH]",
            "                                    seal, send over UDP on loopback, open; bounded in time",
            "  seal --key HEX --session N --counter N --stream N --seq N",
            "       [--flags N] [--origin N] [--channel N] [--subprotocol N] [--event HEX]...",
            "                                    print a sealed data packet (hex)",
            "  heartbeat --key HEX --session N --counter N",
            "                                    print a sealed heartbeat (hex)",
            "  handshake PAYLOAD_HEX             print a handshake packet (hex)",
            "  open --key HEX --session N PACKET_HEX",
            "                                    open a packet, print its header and events (JSON)",
            "  inspect PACKET_HEX                print a header without opening, and its problems (JSON)",
            "  keygen                            a new static identity: 'private: HEX' and 'public: HEX'",
            "  listen --port P --static-key HEX --psk HEX [--prologue HEX] [--seconds S]",
            "       [--session-timeout T] [--max-unconfirmed N]",
            "                                    handshake responder on 127.0.0.1:P; echoes every packet",
            "  connect --to HOST:PORT --peer-key HEX --psk HEX [--prologue HEX]",
            "       [--packets N | --seconds S --rate R [--rekey-after T]]",
            "                                    handshake, send packets, check their echoes",
            "  help                              this text",
            "",
            "Numbers are decimal or 0x-prefixed hex; 64-bit values are unsigned. Bytes are hex.",
            "The key is 32 bytes (64 hex digits). seal and heartbeat take the nonce counter from you:",
            "they exist to reproduce and check packets; never seal live traffic with them.",
            "Exit status: 0 done, 1 packet refused or check failed, 2 bad arguments.");

    private NetsealCli() {}

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command and its options; {@code help} lists them
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.console() != null));
    }

    /**
     * Runs the command line in-process, writing to {@code out} and {@code err}.
     *
     * @param args the command and its options
     * @param out where results go
     * @param err where usage and refusals go
     * @return the exit status ({@link #OK}, {@link #FAILED} or {@link #USAGE})
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, false);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}; {@code live}: a terminal is attached. */
    static int run(String[] args, PrintStream out, PrintStream err, boolean live) {
        // Suppliers, so that only the command asked for is made (InfoCommand probes the backend).
        Map<String, Supplier<Command>> commands = Map.of(
                "info", () -> new InfoCommand(Path.of("/proc/cpuinfo")),
                "demo", () -> new DemoCommand(live),
                "seal", SealCommand::new,
                "heartbeat", HeartbeatCommand::new,
                "handshake", HandshakeCommand::new,
                "open", OpenCommand::new,
                "inspect", InspectCommand::new,
                "keygen", KeygenCommand::new,
                "listen", ListenCommand::new,
                "connect", ConnectCommand::new);
        try {
            if (args.length == 0) {
                throw new UsageException("no command given");
            }
            String name = args[0];
            if (name.equals("help") || name.equals("--help") || name.equals("-h")) {
                out.println(USAGE_TEXT);
                return OK;
            }
            Supplier<Command> command = commands.get(name);
            if (command == null) {
                throw new UsageException("unknown command '" + name + "'");
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            return command.get().run(rest, out, err);
        } catch (UsageException e) {
            err.println("netseal: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        } catch (IllegalStateException e) {
            // What the library throws when it cannot work as configured (a bad netseal.backend,
            // -Dnetseal.backend=native without the library): its message says what to do.
            err.println("netseal: " + e.getMessage());
            return FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
