package dev.netseal.internal.keys;

import java.util.Set;

/** Test access to the sealing claims live in this JVM. */
public final class LiveKeysProbe {
    private LiveKeysProbe() {}

    /** The fingerprints claimed now (a moment's view). */
    public static Set<Long> claimedNow() {
        return Set.copyOf(LiveKeys.LIVE.keySet());
    }

    /** Ends whatever claim holds {@code fingerprint} (a failed test's leftover). */
    public static void endClaim(long fingerprint) {
        Object token = LiveKeys.LIVE.get(fingerprint);
        if (token != null) {
            LiveKeys.LIVE.remove(fingerprint, token);
        }
    }
}
