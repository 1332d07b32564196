package dev.netseal;

import dev.netseal.internal.receive.OpenWorkspace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an open borrows: a workspace is never lent to two opens at once, never handed to another
 * backend, and the virtual threads' queue gets back what they borrowed (so their workspaces are
 * bounded by the opens in flight). The virtual threads' path is reached through
 * {@code acquire(backend, true)}, so it is tested on Java 17 too.
 */
class OpenWorkspaceTest {

    /** The shared queue is process-wide: start and end each test with it empty. */
    @BeforeEach
    @AfterEach
    void emptySharedQueue() {
        OpenWorkspace.SHARED.clear();
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void platformWorkspaceIsNeverLentTwiceAtOnce(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        OpenWorkspace ws = OpenWorkspace.acquire(backend, false);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> OpenWorkspace.acquire(backend, false), "one buffer lent to two opens at once");
            assertTrue(e.getMessage().contains("already lent"), e.getMessage());
        } finally {
            ws.release();
        }
        OpenWorkspace again = OpenWorkspace.acquire(backend, false);
        again.release();
        assertSame(ws, again, "a platform thread made a second workspace instead of reusing its own");
        assertSame(backend, ws.backend);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void platformWorkspaceNeverEntersTheSharedQueue(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        OpenWorkspace mine = OpenWorkspace.acquire(backend, false);
        mine.release();
        assertEquals(0, OpenWorkspace.SHARED.size(), "a thread's own workspace was offered to every virtual thread");
        OpenWorkspace shared = OpenWorkspace.acquire(backend, true);
        shared.release();
        assertNotSame(mine, shared);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sharedWorkspaceIsNeverDroppedWhileTheQueueHasRoom(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        OpenWorkspace first = OpenWorkspace.acquire(backend, true);
        OpenWorkspace second = OpenWorkspace.acquire(backend, true);
        assertNotSame(first, second, "two opens in flight on virtual threads got one workspace");
        first.release();
        assertEquals(1, OpenWorkspace.SHARED.size(), "a released workspace did not go back to the queue");
        assertSame(first, OpenWorkspace.acquire(backend, true), "a virtual thread made a workspace it could borrow");
        second.release();
        first.release();
        assertEquals(2, OpenWorkspace.SHARED.size());
    }

    /** Another backend instance of the same kind (tests only) never gets a workspace that is not its own. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void workspaceNeverGoesToAnotherBackend(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadBackend other = new CountingBackend(backend);
        OpenWorkspace shared = OpenWorkspace.acquire(backend, true);
        shared.release();
        OpenWorkspace sharedOther = OpenWorkspace.acquire(other, true);
        assertSame(other, sharedOther.backend, "a virtual thread got another backend's workspace");
        sharedOther.release();

        OpenWorkspace mine = OpenWorkspace.acquire(backend, false);
        mine.release();
        OpenWorkspace mineOther = OpenWorkspace.acquire(other, false);
        mineOther.release();
        assertSame(other, mineOther.backend, "a platform thread got another backend's workspace");
        OpenWorkspace back = OpenWorkspace.acquire(backend, false);
        back.release();
        assertSame(backend, back.backend);
    }
}
