package dev.netseal.cli;

import dev.netseal.DatagramEndpoint;
import dev.netseal.HandshakeRefusal;
import dev.netseal.SessionPolicy;
import dev.netseal.Identity;
import dev.netseal.PresharedKey;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code netseal listen --port P --static-key HEX --psk HEX [--prologue HEX] [--seconds S]}: a
 * responder on 127.0.0.1:P. It prints {@code session <id> <address>:<port>} for each session a
 * handshake makes, and sends every data packet's events back to its sender in one packet on that
 * session (same stream id and sequence), sealed with its own tx key. It exits 0 after S seconds
 * (without {@code --seconds}, when killed).
 */
final class ListenCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("listen")
            .option("--port").option("--static-key").option("--psk").option("--prologue").option("--seconds")
            .option("--session-timeout").option("--max-unconfirmed");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        int port = o.intInRange("--port", 1, 65535, -1);
        if (port < 0) {
            throw new UsageException("listen: missing --port");
        }
        byte[] staticKey = o.key("--static-key");
        byte[] prologue = HandshakeOptions.prologue(o, "listen");
        double seconds = o.seconds("--seconds", 1e9, Double.POSITIVE_INFINITY);
        SessionPolicy policy = SessionPolicy.defaults();
        if (o.optional("--session-timeout") != null) {
            double t = o.seconds("--session-timeout", 1e6, 0);
            if (t * 1000 <= policy.heartbeatAfter().toMillis()) {
                throw new UsageException("listen: --session-timeout must be longer than the "
                        + policy.heartbeatAfter().toSeconds() + " s between heartbeats, got " + t);
            }
            policy = policy.withDeadAfter(java.time.Duration.ofMillis((long) (t * 1000)));
        }
        policy = policy.withMaxUnconfirmed(o.intInRange("--max-unconfirmed", 1, 1 << 24, policy.maxUnconfirmed()));
        DatagramEndpoint[] endpoint = new DatagramEndpoint[1];
        try (Identity identity = Identity.fromPrivateKey(staticKey);
             PresharedKey psk = HandshakeOptions.psk(o)) {
            Arrays.fill(staticKey, (byte) 0);
            endpoint[0] = DatagramEndpoint.builder()
                    .bind(new InetSocketAddress("127.0.0.1", port))
                    .accept(identity, psk)
                    .prologue(prologue)
                    .policy(policy)
                    .onSession(s -> {
                        out.println("session " + Long.toUnsignedString(s.sessionId()) + " "
                                + s.remoteAddress().getAddress().getHostAddress() + ":" + s.remoteAddress().getPort());
                        out.flush();
                    })
                    .onPacket((s, p) -> {
                        ByteBuffer[] events = new ByteBuffer[p.eventCount()];
                        for (int i = 0; i < events.length; i++) {
                            events[i] = p.event(i);
                        }
                        try {
                            endpoint[0].send(s, p.streamId(), p.sequence(), events);
                        } catch (IOException e) {
                            err.println("netseal listen: echo to " + s.remoteAddress() + " failed: " + e.getMessage());
                        }
                    })
                    .start();
            try (DatagramEndpoint e = endpoint[0]) {
                err.println("netseal listen: responder on " + e.localAddress() + ", public key "
                        + Hex.encode(identity.publicKey()));
                if (Double.isInfinite(seconds)) {
                    Thread.currentThread().join();
                } else {
                    Thread.sleep((long) (seconds * 1000));
                }
                long refused = 0;
                for (HandshakeRefusal r : HandshakeRefusal.values()) {
                    if (r != HandshakeRefusal.PACED && r != HandshakeRefusal.MESSAGE1_REPLAYED) {
                        refused += e.handshakeRefusals(r);
                    }
                }
                out.println("handshakes: completed " + e.handshakesCompleted() + " refused " + refused + " paced "
                        + e.handshakeRefusals(HandshakeRefusal.PACED) + " replayed "
                        + e.handshakeRefusals(HandshakeRefusal.MESSAGE1_REPLAYED));
            }
        } catch (IOException e) {
            err.println("netseal listen: cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
            return NetsealCli.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Arrays.fill(staticKey, (byte) 0);
        }
        return NetsealCli.OK;
    }
}
