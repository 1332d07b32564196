package dev.netseal.internal.receive;

import java.util.concurrent.ScheduledFuture;

/** Test access to a receive session's timer. */
public final class ReceiveSessions {
    private ReceiveSessions() {}

    /** The scheduled drop of the previous key, or null. */
    public static ScheduledFuture<?> scheduledExpiry(ReceiveSession session) {
        synchronized (session) {
            return session.expiry;
        }
    }
}
