package dev.netseal.bench.tools;

import dev.netseal.bench.NettyPipeline;

/**
 * Runs one Netty pipeline of {@link NettyPipeline} for a while and prints packets per second, for
 * a profiler to watch (JFR: {@code -XX:StartFlightRecording}).
 * {@code java -cp bench/target/benchmarks.jar dev.netseal.bench.tools.NettyProfile NETSEAL|PLAIN|JDK NIO|EPOLL_BATCHED [seconds] [size]}.
 */
public final class NettyProfile {
    private NettyProfile() {}

    public static void main(String[] args) throws Exception {
        NettyPipeline.Kind kind = NettyPipeline.Kind.valueOf(args[0]);
        NettyPipeline.Transport transport = NettyPipeline.Transport.valueOf(args[1]);
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        NettyPipeline p = new NettyPipeline(kind, transport, size - 4);
        p.setUp();
        try {
            for (int s = 0; s < seconds; s++) {
                System.out.printf("%s %s: %,d packets/s%n", kind, transport, p.runFor(1000));
            }
        } finally {
            p.tearDown();
        }
    }
}
