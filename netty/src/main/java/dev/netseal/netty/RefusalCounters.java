package dev.netseal.netty;

import dev.netseal.PacketException.Reason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many datagrams a {@link NetsealDatagramDecoder} refused, by reason. Refused datagrams are
 * released and counted here: never thrown into the pipeline, never logged one by one. Thread-safe;
 * one instance may be shared by the decoders of many channels (they count with {@link LongAdder},
 * so event loops do not contend on one counter).
 */
public final class RefusalCounters {
    private static final Reason[] REASONS = Reason.values();

    private final LongAdder[] counts = new LongAdder[REASONS.length];

    /** All counts at zero. */
    public RefusalCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(Reason reason) {
        counts[reason.ordinal()].increment();
    }

    /**
     * Datagrams refused for {@code reason} so far.
     *
     * @param reason which check refused the packet
     * @return the count
     */
    public long get(Reason reason) {
        return counts[reason.ordinal()].sum();
    }

    /**
     * Every refusal so far.
     *
     * @return the count
     */
    public long total() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    /**
     * The non-zero counts, by reason (a copy).
     *
     * @return a copy of the non-zero counts
     */
    public Map<Reason, Long> snapshot() {
        Map<Reason, Long> out = new EnumMap<>(Reason.class);
        for (Reason r : REASONS) {
            long n = counts[r.ordinal()].sum();
            if (n != 0) {
                out.put(r, n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "refused " + snapshot();
    }
}
