package dev.netseal.internal.handshake;

import java.net.SocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-source pacing of message 1s, checked before any DH: at most {@code perSecond} from one
 * source address (IP and port) in each one-second window that starts with its first message.
 *
 * <p>Bounded: at most {@code capacity} sources are tracked (about 100 bytes each); a source
 * whose window ended is forgotten first, and at capacity the least recently seen one is. A
 * forgotten source starts a fresh window, so a flood from more sources than the capacity is
 * paced less than it would be with unbounded memory, never more. Not thread-safe: one responder
 * thread.
 */
public final class SourcePacer {
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int perSecond;
    private final int capacity;
    /** Source to its window, least recently seen first. */
    private final LinkedHashMap<SocketAddress, Window> sources = new LinkedHashMap<>(64, 0.75f, true);

    /**
     * @param perSecond message 1s allowed per source per second
     * @param capacity sources tracked at most
     */
    public SourcePacer(int perSecond, int capacity) {
        if (perSecond < 1 || capacity < 1) {
            throw new IllegalArgumentException("perSecond and capacity must be positive");
        }
        this.perSecond = perSecond;
        this.capacity = capacity;
    }

    /**
     * Counts a message 1 from {@code source} at {@code now} (nanoseconds) and says whether it
     * may be read.
     *
     * @param source the source address
     * @param now the time, in nanoseconds
     * @return true when the source is within its rate
     */
    public boolean allow(SocketAddress source, long now) {
        Window w = sources.get(source);
        if (w == null || now - w.start >= WINDOW_NANOS) {
            if (w == null) {
                evict(now);
                w = new Window();
                sources.put(source, w);
            }
            w.start = now;
            w.count = 0;
        }
        return ++w.count <= perSecond;
    }

    /** Sources tracked now. */
    public int size() {
        return sources.size();
    }

    private void evict(long now) {
        Iterator<Map.Entry<SocketAddress, Window>> it = sources.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<SocketAddress, Window> e = it.next();
            if (sources.size() >= capacity || now - e.getValue().start >= WINDOW_NANOS) {
                it.remove();
            } else {
                break; // the rest were seen more recently
            }
        }
    }

    private static final class Window {
        long start;
        int count;
    }
}
