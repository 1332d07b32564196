package dev.netseal.internal.endpoint;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * An endpoint's socket and the thread that receives on it: each datagram into one buffer, handed
 * to the endpoint, until the socket closes. A failed receive is logged and the loop goes on. (An
 * endpoint whose datagrams the application carries has no socket: they are copied into the
 * buffer.)
 */
public final class ReceiveLoop {
    private static final System.Logger LOG = System.getLogger("dev.netseal");

    private final DatagramChannel channel;
    private final ByteBuffer in;
    private final Consumer<InetSocketAddress> handler;
    private final BooleanSupplier closed;
    private final Thread thread;

    /**
     * Starts the receive thread on a bound socket.
     *
     * @param channel the socket
     * @param in the buffer each datagram is received into (flipped for the handler)
     * @param handler what handles the datagram in {@code in}, from its source
     * @param closed whether the endpoint is closed
     * @param name the endpoint's name, for the thread's
     */
    public ReceiveLoop(DatagramChannel channel, ByteBuffer in, Consumer<InetSocketAddress> handler,
                       BooleanSupplier closed, String name) {
        this.channel = channel;
        this.in = in;
        this.handler = handler;
        this.closed = closed;
        this.thread = new Thread(this::run, "netseal-endpoint-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A socket bound to {@code address}, asking for a receive buffer of {@code receiveBuffer}
     * bytes: a server's bursts overflow the system's default (about 200 KiB) long before the
     * receive thread falls behind for good; the kernel caps it at net.core.rmem_max.
     *
     * @param address the address to bind
     * @param receiveBuffer SO_RCVBUF, in bytes
     * @return the bound socket
     * @throws IOException if it cannot be bound (the socket is closed then)
     */
    public static DatagramChannel bind(SocketAddress address, int receiveBuffer) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            ch.bind(address);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Copies a datagram that came some other way (the application carries the endpoint's
     * datagrams) into the receive buffer, flipped, as the socket would have: one longer than the
     * buffer is cut to its capacity (a datagram that long is refused for its length).
     *
     * @param datagram the datagram's remaining bytes (its position is not moved)
     * @param in the receive buffer
     */
    public static void copy(ByteBuffer datagram, ByteBuffer in) {
        in.clear();
        if (datagram.remaining() > in.capacity()) {
            in.put(datagram.duplicate().limit(datagram.position() + in.capacity())); // refused for its length
        } else {
            in.put(datagram.duplicate());
        }
        in.flip();
    }

    private void run() {
        while (!closed.getAsBoolean()) {
            SocketAddress from;
            try {
                in.clear();
                from = channel.receive(in);
            } catch (ClosedChannelException e) {
                return; // close()
            } catch (IOException e) {
                if (!closed.getAsBoolean()) {
                    LOG.log(Level.WARNING, "netseal endpoint: receive failed; going on", e);
                }
                continue;
            }
            if (from == null) {
                continue;
            }
            in.flip();
            handler.accept((InetSocketAddress) from);
        }
    }

    /** Closes the socket: the receive thread ends. */
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the endpoint's socket", e);
        }
    }

    /** Waits for the receive thread to end, unless called on it. */
    public void join() {
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
