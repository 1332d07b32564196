package dev.netseal;

import dev.netseal.internal.keys.LiveKeysProbe;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.keys.RetiredKeys;
import dev.netseal.internal.receive.OpenWorkspace;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps tests independent and their random inputs replayable. Registered for every test class
 * of this module (autodetected: see {@code junit-platform.properties}; surefire and the mutation
 * profile both read it).
 *
 * <ul>
 *   <li>A test that fails prints the seeds it drew from {@link TestSeeds#seed()}, with the
 *       property that replays them.</li>
 *   <li>The JVM-wide (key, nonce prefix) claims ({@link LiveKeys}) never leak from one test into
 *       the next. A test that fails leaves its pools open: the claims it made are ended right after it, so
 *       the next test with the same fixed keys does not fail for a reason not its own.</li>
 *   <li>Each test starts with no retired keys ({@link RetiredKeys}), so that fixed keys reused by
 *       the next test are not refused as closed ones.</li>
 *   <li>No test leaves the test thread's open workspace lent ({@link OpenWorkspace}): the test that
 *       does fails, and the loan is ended, so the next test's opens are not refused as nested.
 *       The mutation run depends on this: its mutants share one JVM, one after another.</li>
 *   <li>At the end of a test class, claims the class made that are still held once the garbage
 *       collector had its chance (pools dropped without close() are released by their Cleaner)
 *       are ended too, and the class fails: it leaked a pool or session without closing it.</li>
 * </ul>
 * Ending a claim here never lets a stale release end a newer claim later: each claim has its own
 * token, and this removes a fingerprint only with the token it holds now.
 */
public final class TestIsolation
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(TestIsolation.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("class", LiveKeysProbe.claimedNow());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        TestSeeds.drain();
        // Tests reuse fixed keys from one test to the next: each starts with nothing retired.
        forgetRetiredKeys();
        context.getStore(NS).put("test", LiveKeysProbe.claimedNow());
    }

    /**
     * Forgets the retired keys ({@link RetiredKeys}), as a new JVM would: for tests that model a
     * restarted process, or that check one property of the same fixed packets on several
     * receivers or pools in turn. Never for a test of what {@link RetiredKeys} refuses.
     */
    static void forgetRetiredKeys() {
        for (RetiredKeys r : new RetiredKeys[] {RetiredKeys.SEALED, RetiredKeys.OPENED}) {
            synchronized (r) {
                r.newer = new RetiredKeys.LongSet();
                r.older = new RetiredKeys.LongSet();
            }
        }
    }

    /**
     * Ends whatever claim holds {@code fingerprint}, so that a test that failed before closing its
     * pools does not make later tests with the same fixed keys fail. The pool that held it keeps
     * sealing; its own release later is a no-op (its token no longer matches).
     */
    private static void endClaim(long fingerprint) {
        LiveKeysProbe.endClaim(fingerprint);
    }

    /**
     * Ends any loan of this thread's open workspaces and says whether one was still lent. A loan
     * left after an open returned means a release was skipped; every later open on the thread
     * would then be refused as nested, so the failure belongs to the test that left it.
     */
    private static boolean endLoansOfThisThread() {
        boolean wasLent = false;
        for (OpenWorkspace ws : OpenWorkspace.PLATFORM.get()) {
            if (ws != null && ws.lent) {
                ws.lent = false;
                wasLent = true;
            }
        }
        return wasLent;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // Checked and cleared before anything else: a loan left behind would make every later
        // open on this thread fail as "an open inside an open", far from its cause.
        boolean leftLent = endLoansOfThisThread();
        List<Long> seeds = TestSeeds.drain();
        // An aborted test (an assumption that does not hold, e.g. no virtual threads on JDK 17)
        // is a skip with its reason, not a failure: nothing to replay.
        if (context.getExecutionException().filter(e -> !(e instanceof org.opentest4j.TestAbortedException)).isPresent()) {
            Long keySeed = TestSeeds.keySeedIfUsed();
            if (!seeds.isEmpty() || keySeed != null) {
                // One property sets every seed: the test's draws and the key stream alike.
                System.err.println("[netseal] " + context.getUniqueId() + " failed; seed(s) drawn: " + seeds
                        + (keySeed != null ? ", key stream seed: " + keySeed : "")
                        + ". Replay with -Dnetseal.test.seed=" + (seeds.isEmpty() ? keySeed : seeds.get(0)));
            }
            @SuppressWarnings("unchecked")
            Set<Long> before = context.getStore(NS).get("test", Set.class);
            for (long fp : madeSince(before)) {
                endClaim(fp);
            }
        }
        if (leftLent) {
            throw new AssertionError(context.getDisplayName()
                    + " left this thread's open workspace lent: an open returned without giving it back"
                    + " (cleared now so that later tests are not affected)");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        @SuppressWarnings("unchecked")
        Set<Long> before = context.getStore(NS).get("class", Set.class);
        Set<Long> left = madeSince(before);
        // Dropped pools end their claims through the Cleaner once collected: give it a moment.
        for (int i = 0; i < 100 && !left.isEmpty(); i++) { // up to 5 s, only when something is left
            System.gc();
            Thread.sleep(50);
            left = madeSince(before);
        }
        for (long fp : left) {
            endClaim(fp);
        }
        if (!left.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left " + left.size()
                    + " (key, nonce prefix) claims held by pools or sessions it never closed"
                    + " (ended now so that later tests are not affected)");
        }
    }

    private static Set<Long> madeSince(Set<Long> before) {
        Set<Long> now = new HashSet<>(LiveKeysProbe.claimedNow());
        if (before != null) {
            now.removeAll(before);
        }
        return now;
    }
}
