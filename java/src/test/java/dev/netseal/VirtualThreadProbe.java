package dev.netseal;

import dev.netseal.internal.send.PoolCores;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM on Java 21+ by {@link VirtualThreadPoolTest}: TASKS tasks, a virtual thread
 * each, seal one 64-byte event through one ThreadLocalPool, then the same on a fixed pool of
 * platform threads. Prints {@code key=value} lines. Compiled for Java 17, so the virtual-thread
 * executor is looked up by reflection.
 */
public final class VirtualThreadProbe {
    private VirtualThreadProbe() {}

    public static void main(String[] args) throws Exception {
        int tasks = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        byte[] key = new byte[32];
        key[0] = 7;
        byte[] event = new byte[60];
        try (ThreadLocalPool pool = ThreadLocalPool.create(size, key, 42L)) {
            long madeBefore = PoolCores.buildersMade(pool.core);
            ExecutorService vts = (ExecutorService) m.invoke(null);
            List<Future<Integer>> done = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                int n = i;
                done.add(vts.submit(() -> {
                    if (!dev.netseal.internal.VirtualThreads.is(Thread.currentThread())) {
                        throw new AssertionError("not a virtual thread");
                    }
                    try (PacketBuilder b = pool.get()) {
                        ByteBuffer p = b.begin(1, n, 0).event(event).seal();
                        return p.remaining();
                    }
                }));
            }
            for (Future<Integer> f : done) {
                if (f.get(60, TimeUnit.SECONDS) != 68 + 64 + 16) {
                    throw new AssertionError("wrong packet length");
                }
            }
            vts.shutdown();
            vts.awaitTermination(60, TimeUnit.SECONDS);
            System.out.println("virtual=" + dev.netseal.internal.VirtualThreads.is(Thread.currentThread()));
            System.out.println("made=" + (PoolCores.buildersMade(pool.core) - madeBefore));
            System.out.println("prefilled=" + madeBefore);
            System.out.println("carriers=" + Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                    Runtime.getRuntime().availableProcessors()));
            System.out.println("shared=" + pool.sharedAvailable());
        }
    }
}
