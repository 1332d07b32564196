package dev.netseal.internal.receive;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;

import dev.netseal.internal.VirtualThreads;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.BackendKind;
import org.jctools.queues.atomic.MpmcAtomicArrayQueue;

/**
 * What one open borrows for the length of one call: a cipher and a buffer the cipher works in (the
 * associated data at [8192, 8248), and room for a copy of the packet when the cipher cannot work in
 * the caller's buffer).
 *
 * <p>Shared by every receiver and session of the process, never one per receiver per thread: a
 * platform thread keeps one per backend in a thread-local (no atomic operation to borrow it); a
 * virtual thread borrows from a small bounded queue and gives it back before {@code open} returns,
 * so their number is bounded by the opens running at once (about the carrier threads), not by the
 * virtual threads that ever opened. Nothing the caller keeps points into a workspace: results
 * point into the caller's buffer or the {@link OpenedPacket}'s own copy.
 */
public final class OpenWorkspace {
    /** Workspaces kept for virtual threads, per process; more are made (and dropped) on demand. */
    private static final int SHARED_LIMIT = 64;

    public static final ThreadLocal<OpenWorkspace[]> PLATFORM =
            ThreadLocal.withInitial(() -> new OpenWorkspace[BackendKind.values().length]);
    /** The workspaces virtual threads share, at most {@link #SHARED_LIMIT} kept. */
    public static final MpmcAtomicArrayQueue<OpenWorkspace> SHARED = new MpmcAtomicArrayQueue<>(SHARED_LIMIT);

    /** Offset of the associated data in {@link #buffer}. */
    public static final int AAD_OFFSET = MAX_PACKET_SIZE;

    public final AeadBackend backend;
    public final AeadCipher cipher;
    /** Little-endian; direct for native, heap for java. */
    public final java.nio.ByteBuffer buffer;
    private final boolean shared;
    /**
     * A platform thread's workspace is out on loan (between acquire and release). Plain: only the
     * thread whose thread-local holds it ever reads or writes it (a shared workspace never uses it).
     */
    public boolean lent;

    private OpenWorkspace(AeadBackend backend, boolean shared) {
        this.backend = backend;
        this.cipher = backend.newCipher();
        this.buffer = backend.allocate(MAX_PACKET_SIZE + AAD_SIZE);
        this.shared = shared;
    }

    /** A workspace for {@code backend}; give it back with {@link #release()}. */
    public static OpenWorkspace acquire(AeadBackend backend) {
        return acquire(backend, VirtualThreads.current());
    }

    /**
     * {@link #acquire(AeadBackend)} for a virtual thread or a platform one: separate so that
     * tests reach the virtual threads' path on Java 17 too.
     *
     * @throws IllegalStateException if this platform thread's workspace is already lent (an open
     *         inside an open): two opens would share one buffer
     */
    @SuppressWarnings("EnumOrdinal") // the kind's slot in PLATFORM's array, sized by BackendKind.values()
    public static OpenWorkspace acquire(AeadBackend backend, boolean virtual) {
        if (virtual) {
            OpenWorkspace ws = SHARED.poll();
            // A workspace of another backend instance goes back to the collector, not the queue:
            // a process has one backend of each kind, so this happens in tests only.
            return ws != null && ws.backend == backend ? ws : new OpenWorkspace(backend, true);
        }
        OpenWorkspace[] mine = PLATFORM.get();
        int slot = backend.kind().ordinal();
        OpenWorkspace ws = mine[slot];
        if (ws == null || ws.backend != backend) {
            ws = new OpenWorkspace(backend, false);
            mine[slot] = ws;
        }
        if (ws.lent) {
            throw new IllegalStateException("this thread's open workspace is already lent: an open inside an open");
        }
        ws.lent = true;
        return ws;
    }

    /**
     * Ends a borrow: a virtual thread's workspace goes back to the shared queue if it has room; a
     * platform thread's may be lent again.
     */
    public void release() {
        if (shared) {
            SHARED.offer(this); // full: dropped, another is made later
        } else {
            lent = false;
        }
    }
}
