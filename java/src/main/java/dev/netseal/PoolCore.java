package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jctools.queues.MpmcArrayQueue;

/**
 * What both pools share: the backend, the current key epoch, the bounded shared queue of idle
 * builders and every builder ever made (weakly), so that rekey and close can wait out in-flight
 * seals before they wipe a key.
 *
 * <p>It holds no reference to the pool facade or its ThreadLocal, so builders parked in thread
 * caches never keep a dropped pool reachable.
 *
 * <h2>Why wiping a key never races a seal</h2>
 * A seal does (1) a release write of {@code epoch} to the builder's claim slot (which holds the
 * sealing thread until then: see PacketBuilder), (2) {@code counter.getAndIncrement()}, and, only
 * if the counter is below the limit, (3) seals with the key and (4) a release write of
 * {@code null} (or of the thread again, after a refused draw) to the slot. Only the thread that
 * claimed the builder writes the slot while it holds anything but null, so no other thread can
 * overwrite an epoch there. Retiring does (a) {@code retired = true} and an atomic jump of the
 * counter to the limit, (b) for every builder, spins until an acquire read of the slot is
 * not this epoch, then (c) destroys the key. The counter's updates are totally ordered. If (2)
 * comes before (a), (2) happens-before (a), so (1) happens-before (b): (b) sees the epoch (or a
 * later value) and waits for (4), which happens-before (c). If (2) comes after (a), it draws a
 * refused counter and never touches the key. If (b) reads a later (1) of another epoch instead,
 * that write is a release store after (4) in the same thread, so (4) still happens-before (c). A
 * builder made after (a) registers under the same lock, so its first draw comes after (a) too.
 */
final class PoolCore {
    /** One daemon thread for every netseal object that cleans up after being dropped. */
    static final Cleaner CLEANER = Cleaner.create();

    final AeadBackend backend;
    final long originHash;
    final int capacity;
    final MpmcArrayQueue<PacketBuilder> shared;

    private volatile KeyEpoch current;
    private volatile boolean closed;
    /** Guarded by this. */
    private final List<WeakReference<PacketBuilder>> builders = new ArrayList<>();
    /** Guarded by this: the (key, prefix) fingerprints of this pool's retired epochs. */
    private final java.util.Set<String> retiredFingerprints = new java.util.HashSet<>();
    private int pruneAt = 64;

    PoolCore(AeadBackend backend, int capacity, byte[] key, long sessionId, long originHash) {
        if (capacity < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, got " + capacity);
        }
        this.backend = backend;
        this.capacity = capacity;
        this.originHash = originHash;
        this.shared = new MpmcArrayQueue<>(Math.max(2, capacity));
        String fingerprint = LiveKeys.fingerprint(checkKey(key), sessionId);
        this.current = KeyEpoch.create(backend, key, sessionId, fingerprint);
    }

    static byte[] checkKey(byte[] key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("key must be 32 bytes, got " + key.length);
        }
        return key;
    }

    /**
     * Fills the shared queue with {@code capacity} fresh builders. If that fails (direct memory
     * runs out), the core closes itself, so its key is wiped and its claim released at once.
     */
    void prefill() {
        try {
            for (int i = 0; i < capacity; i++) {
                shared.offer(newBuilder());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Returns a builder to the shared queue unless it holds {@code capacity} already (the queue
     * itself rounds up to a power of two); a builder that does not fit is dropped, one that fits
     * never is. {@code offer}, not {@code relaxedOffer}: JCTools' relaxed form may fail on a
     * queue that is not full (a producer slot still being published), and every such failure
     * lost a builder that the next acquire then had to allocate again. {@code offer} fails only
     * when the queue is full. Racing returners that all read a size below {@code capacity} can
     * overshoot it by at most one each when {@code capacity} is not a power of two (the queue's
     * own bound stops them otherwise): the bound is for memory, not for safety.
     */
    boolean offerShared(PacketBuilder b) {
        return shared.size() < capacity && shared.offer(b);
    }

    /**
     * Takes a builder from the shared queue, or null only when it is empty ({@code poll}, not
     * {@code relaxedPoll}, which may miss an element being published).
     */
    PacketBuilder pollShared() {
        return shared.poll();
    }

    /**
     * Closes this core once {@code facade} is unreachable. The action holds only the core, which
     * builders reference, never the facade, so thread caches cannot keep the facade alive.
     */
    void closeWhenUnreachable(Object facade) {
        CLEANER.register(facade, this::close);
    }

    KeyEpoch current() {
        return current;
    }

    boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    static IllegalStateException closedException() {
        return new IllegalStateException("pool is closed");
    }

    synchronized PacketBuilder newBuilder() {
        checkOpen();
        if (builders.size() >= pruneAt) {
            builders.removeIf(ref -> ref.get() == null);
            pruneAt = Math.max(64, builders.size() * 2);
        }
        PacketBuilder b = new PacketBuilder(this);
        builders.add(new WeakReference<>(b));
        return b;
    }

    /**
     * Starts a new epoch; the old one's key is wiped once no seal can still use it. Refuses a
     * (key, nonce prefix) this pool sealed under before: its counter would start at 0 again.
     */
    synchronized void setKey(byte[] key, long sessionId) {
        checkOpen();
        String fingerprint = LiveKeys.fingerprint(checkKey(key), sessionId);
        if (retiredFingerprints.contains(fingerprint)) {
            throw new IllegalStateException("this pool already sealed under this key and nonce prefix:"
                    + " its counter would restart at 0 and repeat nonces; rekey to a fresh key");
        }
        KeyEpoch next = KeyEpoch.create(backend, key, sessionId, fingerprint);
        KeyEpoch old = current;
        current = next;
        retire(old);
        retiredFingerprints.add(old.claim);
    }

    /** Refuses new work, then wipes the key once the in-flight seals are done. Idempotent. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        retire(current);
        shared.clear();
    }

    /** See the class comment for why this is safe. */
    private void retire(KeyEpoch epoch) {
        epoch.retired = true;
        epoch.poison();
        for (Iterator<WeakReference<PacketBuilder>> it = builders.iterator(); it.hasNext(); ) {
            PacketBuilder b = it.next().get();
            if (b == null) {
                it.remove();
                continue;
            }
            while (b.sealingEpoch() == epoch) {
                Thread.onSpinWait();
            }
        }
        epoch.destroy();
    }

    /**
     * Called by a builder whose draw from {@code epoch} was refused: the epoch to try next, or an
     * exception saying why sealing cannot go on.
     */
    KeyEpoch afterRefusedDraw(KeyEpoch epoch) {
        if (!epoch.retired) {
            throw new IllegalStateException("nonce counter exhausted: " + KeyEpoch.COUNTER_LIMIT
                    + " packets were sealed under this key; call setKey with a new key");
        }
        if (closed) {
            throw closedException();
        }
        return current;
    }

    /** Test hook: makes the current epoch's next counter {@code next}. */
    void startCounterAt(long next) {
        current.counter.set(next);
    }

    /** Test hook: the number of builders this pool has made that are still reachable. */
    synchronized int liveBuilders() {
        builders.removeIf(ref -> ref.get() == null);
        return builders.size();
    }
}
