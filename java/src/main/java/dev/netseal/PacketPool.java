package dev.netseal;

import dev.netseal.internal.send.PoolCore;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A pool of {@link PacketBuilder}s in one shared bounded lock-free queue, with no thread cache:
 * every acquire and release touches the queue. The baseline {@link ThreadLocalPool} is measured
 * against; it seals exactly the same way and gives the same guarantees.
 *
 * <p>Thread-safe.
 */
public final class PacketPool implements AutoCloseable, BuilderOwner {

    final PoolCore<PacketBuilder> core;

    private PacketPool(AeadBackend backend, int size, boolean withKey, byte @Nullable [] key, long sessionId,
                       long originHash) {
        this.core = new PoolCore<>(backend, size, PacketBuilder.FACTORY);
        if (withKey) { // the caller's key, null only without one: Keys.check's exception
            core.openDefaultSession(Objects.requireNonNull(key, "key"), sessionId, originHash);
        }
        core.prefill();
        core.closeWhenUnreachable(this); // a dropped pool wipes its key
    }

    /**
     * A pool of {@code size} builders with no key of its own, for a server with many peers: each
     * peer is a {@link SealingSession} from {@link #newSession}, and every session seals through
     * these builders.
     *
     * @param size how many builders the pool holds
     * @return the pool
     */
    public static PacketPool builders(int size) {
        return new PacketPool(Backends.active(), size, false, null, 0L, 0L);
    }

    static PacketPool buildersOnBackend(AeadBackend backend, int size) {
        return new PacketPool(backend, size, false, null, 0L, 0L);
    }

    /**
     * A session sealing with {@code key} (32 bytes) under {@code sessionId} through this pool.
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return the new session, open until closed (or until the pool is)
     */
    public SealingSession newSession(byte[] key, long sessionId) {
        return newSession(key, sessionId, 0L);
    }

    /**
     * As {@link #newSession(byte[], long)}, stamping {@code originHash} on its data packets.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param originHash origin_hash stamped on the data packets
     * @return the new session, open until closed (or until the pool is)
     */
    public SealingSession newSession(byte[] key, long sessionId, long originHash) {
        return new SealingSession(core.newSession(key, sessionId, originHash), this);
    }

    /**
     * A pool of {@code size} builders sealing with {@code key} (32 bytes) under {@code sessionId}.
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @param size how many builders the pool holds
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return the pool
     */
    public static PacketPool create(int size, byte[] key, long sessionId) {
        return withOrigin(size, key, sessionId, 0L);
    }

    /**
     * As {@link #create}, stamping {@code originHash} on every data packet.
     *
     * @param size how many builders the pool holds
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param originHash origin_hash stamped on the data packets
     * @return the pool
     */
    public static PacketPool withOrigin(int size, byte[] key, long sessionId, long originHash) {
        return new PacketPool(Backends.active(), size, true, key, sessionId, originHash);
    }

    static PacketPool onBackend(AeadBackend backend, int size, byte[] key, long sessionId, long originHash) {
        return new PacketPool(backend, size, true, key, sessionId, originHash);
    }

    /**
     * Takes a builder (a new one when the queue is empty); close it to give it back.
     *
     * @return a builder, to release with close() (try-with-resources)
     */
    public PacketBuilder get() {
        core.checkOpen();
        PacketBuilder b = core.pollShared();
        if (b == null) {
            b = core.newBuilder();
        }
        b.checkOut(this);
        return b;
    }

    /** Gives a builder back; throws if it came from another pool or was already released. */
    @Override
    public void release(PacketBuilder builder) {
        builder.checkIn(core);
        // The core (held by the Cleaner's action) holds the queue: a builder in it must not
        // reference this pool, or a dropped pool would never be found unreachable.
        builder.owner = null;
        if (!core.isClosed()) {
            core.offerShared(builder); // a full queue drops it
        }
    }

    /**
     * The size of the queue.
     *
     * @return the capacity
     */
    public int capacity() {
        return core.capacity;
    }

    /**
     * Builders in the queue now.
     *
     * @return the builders in the shared queue now
     */
    public int available() {
        return core.shared.size();
    }

    /**
     * The session id packets carry now.
     *
     * @return the default session's id
     */
    public long sessionId() {
        return core.current().sessionId;
    }

    /**
     * Rekeys; see {@link ThreadLocalPool#setKey}.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     */
    public void setKey(byte[] key, long sessionId) {
        core.setKey(key, sessionId);
    }

    /**
     * Refuses new work, closes every session of this pool and wipes their keys once the seals in
     * flight are done. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

}
