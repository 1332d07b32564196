package dev.netseal.cli;

import dev.netseal.DatagramEndpoint;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import dev.netseal.SessionPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code netseal connect --to HOST:PORT --peer-key HEX --psk HEX [--prologue HEX] [--packets N]}:
 * an initiator. It prints {@code session <id>}, sends N data packets (stream 1, sequences 0..N-1,
 * 32 random bytes of event each), waits for their echoes and prints {@code echoed <ok>/<N>}: exit 0
 * only when every echo opened with the events it sent. With {@code --seconds S --rate R} in place
 * of {@code --packets} it sends R packets a second for S seconds, re-handshaking every
 * {@code --rekey-after T} seconds (default 120), and prints {@code sessions <k>} (the sessions it
 * used: the first and one per re-handshake) before the {@code echoed} line. A handshake that is refused or times out
 * exits 1 with the reason on stderr.
 */
final class ConnectCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("connect")
            .option("--to").option("--peer-key").option("--psk").option("--prologue").option("--packets")
            .option("--seconds").option("--rate").option("--rekey-after");
    /** How long to wait for the last echo after the last send. */
    private static final long ECHO_WAIT_MS = 5_000;

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        String hostPort = o.required("--to");
        InetSocketAddress to = address(hostPort);
        byte[] peerKey = o.key("--peer-key");
        byte[] prologue = HandshakeOptions.prologue(o, "connect");
        boolean timed = o.optional("--seconds") != null || o.optional("--rate") != null;
        if (timed && o.optional("--packets") != null) {
            throw new UsageException("connect: --packets, or --seconds and --rate, not both");
        }
        if (timed && (o.optional("--seconds") == null || o.optional("--rate") == null)) {
            throw new UsageException("connect: --seconds and --rate go together");
        }
        if (!timed && o.optional("--rekey-after") != null) {
            throw new UsageException("connect: --rekey-after goes with --seconds and --rate");
        }
        double seconds = o.seconds("--seconds", 86_400, 0);
        int rate = o.intInRange("--rate", 1, 100_000, 1);
        SessionPolicy policy = SessionPolicy.defaults();
        if (o.optional("--rekey-after") != null) {
            double t = o.seconds("--rekey-after", 86_400, 0);
            Duration rekey = Duration.ofMillis((long) (t * 1000));
            // keys stop sealing a minute after they are due for renewal (net-mesh's 120 s and 180 s)
            policy = policy.withKeyAges(rekey, rekey.plusSeconds(60));
        }
        if (timed && seconds * rate > 10_000_000) {
            throw new UsageException("connect: --seconds x --rate is at most 10,000,000 packets, got "
                    + Math.round(seconds * rate));
        }
        int packets = timed ? (int) Math.round(seconds * rate) : o.intInRange("--packets", 0, 1_000_000, 10);
        byte[][] sent = new byte[packets][];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < packets; i++) {
            sent[i] = new byte[32];
            random.nextBytes(sent[i]);
        }
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger sessionsUsed = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        boolean[] seen = new boolean[packets];
        CountDownLatch all = new CountDownLatch(packets);
        try (PresharedKey psk = HandshakeOptions.psk(o);
             DatagramEndpoint endpoint = DatagramEndpoint.builder()
                     .bind(new InetSocketAddress(0))
                     .policy(policy)
                     .onSession(new DatagramEndpoint.SessionListener() {
                         @Override
                         public void onSession(PeerSession s) {
                             sessionsUsed.incrementAndGet();
                         }

                         @Override
                         public void onSessionRekeyed(PeerSession s) {
                             sessionsUsed.incrementAndGet();
                         }
                     })
                     .onPacket((s, p) -> {
                         long seq = p.sequence();
                         boolean good = p.streamId() == 1 && seq >= 0 && seq < packets && p.eventCount() == 1
                                 && Arrays.equals(sent[(int) seq], p.events().get(0));
                         if (good && !seen[(int) seq]) {
                             seen[(int) seq] = true;
                             ok.incrementAndGet();
                             all.countDown();
                         } else if (!good) {
                             wrong.incrementAndGet();
                         }
                     })
                     .start()) {
            PeerSession session;
            try {
                session = endpoint.connect(to, peerKey, psk, prologue, new byte[0]);
            } catch (IOException e) {
                err.println("netseal connect: handshake with " + hostPort + " failed: " + e.getMessage());
                return NetsealCli.FAILED;
            }
            out.println("session " + Long.toUnsignedString(session.sessionId()));
            out.flush();
            long start = System.nanoTime();
            for (int i = 0; i < packets; i++) {
                if (timed) { // packet i is due i / rate seconds after the first
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                endpoint.send(session, 1, i, ByteBuffer.wrap(sent[i])); // on its current keys
                if (!timed && i % 256 == 255) {
                    Thread.sleep(1); // a burst larger than the sockets' buffers would be dropped
                }
            }
            all.await(ECHO_WAIT_MS, TimeUnit.MILLISECONDS);
            if (timed) {
                out.println("sessions " + sessionsUsed.get());
            }
            out.println("echoed " + ok.get() + "/" + packets);
            if (wrong.get() > 0) {
                err.println("netseal connect: " + wrong.get() + " echo(es) did not carry what was sent");
            }
            return ok.get() == packets ? NetsealCli.OK : NetsealCli.FAILED;
        } catch (IOException e) {
            err.println("netseal connect: " + e.getMessage());
            return NetsealCli.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NetsealCli.FAILED;
        } finally {
            Arrays.fill(peerKey, (byte) 0);
        }
    }

    private static InetSocketAddress address(String hostPort) throws UsageException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new UsageException("connect: --to must be HOST:PORT, got " + hostPort);
        }
        int port = Numbers.intInRange("connect --to's port", hostPort.substring(colon + 1), 1, 65535);
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new UsageException("connect: cannot resolve host " + host);
        }
        return a;
    }
}
