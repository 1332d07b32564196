package dev.netseal.bench;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException.Reason;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Group "lookup" ({@code sessions}: 10 or 100,000): what a session table's dispatch costs, through
 * the public API: {@link SessionTable#tryOpen} of a packet that its session's window refuses as
 * TOO_OLD, which the table decides from the header alone (the session id looked up, the window
 * read), with no cryptography. The packets come from sessions drawn at random, so at 100,000 the
 * lookup meets cold memory as a server's does.
 *
 * <p>Its use is to compare one table implementation with another on the same machine: the same
 * source built against two versions of the library (see docs/performance.md, "Session lookup").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SessionLookupBench {
    /** Packets refused in turn: far more than the sessions of the small table, a sample of the large. */
    private static final int RING = 4096;
    /** The smallest window: a session accepts counter 64, so counter 0 is a whole window behind. */
    private static final int WINDOW = 64;

    /** Sessions in the table. */
    @Param({"10", "100000"})
    public int sessions;

    private SessionTable table;
    private final ByteBuffer[] ring = new ByteBuffer[RING];
    private final OpenedPacket out = new OpenedPacket();
    private int next;

    @Setup
    public void setUp() {
        table = SessionTable.builder().windowSize(WINDOW).build();
        SplittableRandom random = new SplittableRandom(7);
        ByteBuffer[] tooOld = new ByteBuffer[sessions];
        try (ThreadLocalPool pool = ThreadLocalPool.builders(4)) {
            for (int s = 0; s < sessions; s++) {
                byte[] key = new byte[32];
                random.nextBytes(key);
                long id = random.nextLong();
                table.add(key, id);
                try (SealingSession session = pool.newSession(key, id);
                     PacketBuilder b = pool.get()) {
                    tooOld[s] = copy(b.begin(session, 1, 0, 0).event(new byte[60]).seal());
                    for (int c = 1; c < WINDOW; c++) {
                        b.buildHeartbeat(session); // counters 1 to 63, never sent
                    }
                    ByteBuffer accepted = copy(b.begin(session, 1, 1, 0).event(new byte[60]).seal());
                    if (!table.tryOpen(accepted, out)) {
                        throw new IllegalStateException("setup: counter " + WINDOW + " refused " + out.refusal());
                    }
                }
            }
        }
        for (int i = 0; i < RING; i++) {
            ring[i] = tooOld[i < sessions ? i : random.nextInt(sessions)];
        }
        if (table.tryOpen(ring[0].duplicate(), out) || out.refusal() != Reason.TOO_OLD) {
            throw new IllegalStateException("setup: the prepared packet was not refused TOO_OLD but " + out.refusal());
        }
    }

    private static ByteBuffer copy(ByteBuffer sealed) {
        ByteBuffer c = ByteBuffer.allocateDirect(sealed.remaining());
        c.put(sealed).flip();
        return c;
    }

    @TearDown
    public void tearDown() {
        table.close();
    }

    /** One refused packet: the lookup and the window's verdict; the buffer is left as it was. */
    @Benchmark
    public boolean lookupAndRefuse() {
        int i = next;
        next = (i + 1) & (RING - 1);
        return table.tryOpen(ring[i], out);
    }
}
