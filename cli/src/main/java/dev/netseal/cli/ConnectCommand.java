package dev.netseal.cli;

import dev.netseal.DatagramEndpoint;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code netseal connect --to HOST:PORT --peer-key HEX --psk HEX [--prologue HEX] [--packets N]}:
 * an initiator. It prints {@code session <id>}, sends N data packets (stream 1, sequences 0..N-1,
 * 32 random bytes of event each), waits for their echoes and prints {@code echoed <ok>/<N>}: exit 0
 * only when every echo opened with the events it sent. A handshake that is refused or times out
 * exits 1 with the reason on stderr.
 */
final class ConnectCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("connect")
            .option("--to").option("--peer-key").option("--psk").option("--prologue").option("--packets");
    /** How long to wait for the last echo after the last send. */
    private static final long ECHO_WAIT_MS = 5_000;

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        String hostPort = o.required("--to");
        InetSocketAddress to = address(hostPort);
        byte[] peerKey = o.key("--peer-key");
        byte[] prologue = HandshakeOptions.prologue(o, "connect");
        int packets = o.intInRange("--packets", 0, 1_000_000, 10);
        byte[][] sent = new byte[packets][];
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < packets; i++) {
            sent[i] = new byte[32];
            random.nextBytes(sent[i]);
        }
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        boolean[] seen = new boolean[packets];
        CountDownLatch all = new CountDownLatch(packets);
        try (PresharedKey psk = HandshakeOptions.psk(o);
             DatagramEndpoint endpoint = DatagramEndpoint.builder()
                     .bind(new InetSocketAddress(0))
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
            for (int i = 0; i < packets; i++) {
                endpoint.send(session, 1, i, ByteBuffer.wrap(sent[i]));
                if (i % 256 == 255) {
                    Thread.sleep(1); // a burst larger than the sockets' buffers would be dropped
                }
            }
            all.await(ECHO_WAIT_MS, TimeUnit.MILLISECONDS);
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
