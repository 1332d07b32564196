package dev.netseal.bench.tools;

import dev.netseal.bench.NettyPipeline;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated per packet through the Netty pipelines of {@link NettyPipeline}, all threads of
 * the JVM together (the client's and the server's event loops, the harness), netseal's handlers
 * against the plain ones on the same transport: the paired difference is what netseal's handlers
 * allocate. Each pipeline runs 3 s to warm up, then 3 s measured; per-thread allocated bytes come
 * from {@code com.sun.management.ThreadMXBean}.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar dev.netseal.bench.tools.NettyAllocation [size]}.
 */
public final class NettyAllocation {
    private NettyAllocation() {}

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        System.out.println("| transport | pipeline | bytes allocated per packet (all threads) |");
        System.out.println("|---|---|---:|");
        for (NettyPipeline.Transport t : NettyPipeline.Transport.values()) {
            for (NettyPipeline.Kind k : new NettyPipeline.Kind[] {NettyPipeline.Kind.NETSEAL, NettyPipeline.Kind.PLAIN}) {
                NettyPipeline p = new NettyPipeline(k, t, size - 4);
                p.setUp();
                try {
                    p.runFor(3000);
                    long before = allocated();
                    long packets = p.runFor(3000);
                    long bytes = allocated() - before;
                    System.out.printf("| %s | %s | %.1f |%n", t, k, (double) bytes / packets);
                } finally {
                    p.tearDown();
                }
            }
        }
    }

    private static long allocated() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long id : mx.getAllThreadIds()) {
            long b = mx.getThreadAllocatedBytes(id);
            if (b > 0) {
                total += b;
            }
        }
        return total;
    }
}
