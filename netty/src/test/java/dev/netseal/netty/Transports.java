package dev.netseal.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/** The datagram transports the tests run on: NIO everywhere, epoll on Linux. */
enum Transports {
    NIO, EPOLL;

    EventLoopGroup group(int threads) {
        IoHandlerFactory f = this == NIO ? NioIoHandler.newFactory() : EpollIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, f);
    }

    Class<? extends DatagramChannel> channel() {
        return this == NIO ? NioDatagramChannel.class : EpollDatagramChannel.class;
    }

    /** Fails if epoll should be there (Linux x86-64, where the tests bring its native jar) and is not. */
    void require() {
        if (this != EPOLL) {
            return;
        }
        boolean linuxX64 = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").equals("amd64");
        if (!linuxX64) {
            Assumptions.abort("epoll exists on Linux only; this is " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch"));
        }
        if (!Epoll.isAvailable()) {
            throw new AssertionError("epoll is unavailable on Linux x86-64", Epoll.unavailabilityCause());
        }
    }
}
