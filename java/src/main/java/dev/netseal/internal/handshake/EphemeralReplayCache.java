package dev.netseal.internal.handshake;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The initiator ephemeral keys of the message 1s a responder accepted, for a while: a message 1
 * that carries one of them again is a replay, and makes no new session. Noise's message 1 has no
 * timestamp (WireGuard's has), so the responder itself must remember.
 *
 * <p>Bounded in time (each key is kept {@code ttlNanos}) and in memory (at most
 * {@code capacity} keys, about 120 bytes each; at capacity the oldest is forgotten first, so a
 * replay is caught when fewer than {@code capacity} handshakes came after the original). Looking
 * a key up allocates nothing. Not thread-safe: one responder thread.
 */
public final class EphemeralReplayCache {
    private final long ttlNanos;
    private final int capacity;
    /** Key to when it was accepted (System.nanoTime), oldest first. */
    private final LinkedHashMap<Key, Long> seen = new LinkedHashMap<>();
    private final Key probe = new Key(new byte[HandshakeState.DH_LEN]);

    /**
     * @param ttlNanos how long a key is remembered
     * @param capacity how many keys at most
     */
    public EphemeralReplayCache(long ttlNanos, int capacity) {
        if (ttlNanos <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("ttl and capacity must be positive");
        }
        this.ttlNanos = ttlNanos;
        this.capacity = capacity;
    }

    /**
     * True when the 32 bytes at {@code key[off]} were {@linkplain #remember remembered} less than
     * the time to live before {@code now}.
     */
    public boolean contains(byte[] key, int off, long now) {
        System.arraycopy(key, off, probe.bytes, 0, HandshakeState.DH_LEN);
        probe.rehash();
        Long at = seen.get(probe);
        return at != null && now - at < ttlNanos;
    }

    /** Remembers the 32 bytes at {@code key[off]}, accepted at {@code now}. */
    public void remember(byte[] key, int off, long now) {
        expire(now);
        while (seen.size() >= capacity) {
            Iterator<?> oldest = seen.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        Key k = new Key(Arrays.copyOfRange(key, off, off + HandshakeState.DH_LEN));
        seen.remove(k); // an expired entry for the same key: re-inserted last
        seen.put(k, now);
    }

    private void expire(long now) {
        for (Iterator<Map.Entry<Key, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
            if (now - it.next().getValue() < ttlNanos) {
                break; // the rest are newer
            }
            it.remove();
        }
    }

    /** How many keys are remembered now (expired ones included until the next remember). */
    public int size() {
        return seen.size();
    }

    private static final class Key {
        final byte[] bytes;
        int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            rehash();
        }

        void rehash() {
            hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
