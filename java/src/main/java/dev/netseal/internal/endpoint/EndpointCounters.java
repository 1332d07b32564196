package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.PacketException.Reason;
import dev.netseal.SessionEnd;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What an endpoint counts since it started: handshakes started and completed, heartbeats sent,
 * sessions ended by why, and the handshake and data packets dropped by their reason. Every count
 * is written by the thread that saw the event and read by any.
 */
@SuppressWarnings("EnumOrdinal") // each count's slot is its enum constant's ordinal, in an array sized by values()
public final class EndpointCounters {
    private final AtomicLong handshakesStarted = new AtomicLong();
    private final AtomicLong handshakesCompleted = new AtomicLong();
    private final AtomicLong heartbeatsSent = new AtomicLong();
    private final AtomicLongArray sessionsEnded = new AtomicLongArray(SessionEnd.values().length);
    private final AtomicLongArray handshakeRefusals = new AtomicLongArray(HandshakeRefusal.values().length);
    private final AtomicLongArray dataRefusals = new AtomicLongArray(Reason.values().length);

    /** One handshake started as initiator (a connect or a re-handshake, whatever its attempts). */
    public void handshakeStarted() {
        handshakesStarted.incrementAndGet();
    }

    /** One handshake completed, as initiator or responder. */
    public void handshakeCompleted() {
        handshakesCompleted.incrementAndGet();
    }

    /** One heartbeat sealed and sent. */
    public void heartbeatSent() {
        heartbeatsSent.incrementAndGet();
    }

    /**
     * One session ended.
     *
     * @param why why
     */
    public void ended(SessionEnd why) {
        sessionsEnded.incrementAndGet(why.ordinal());
    }

    /**
     * One handshake packet dropped.
     *
     * @param reason why
     */
    public void refused(HandshakeRefusal reason) {
        handshakeRefusals.incrementAndGet(reason.ordinal());
    }

    /**
     * One data packet refused.
     *
     * @param reason why
     */
    public void refused(Reason reason) {
        dataRefusals.incrementAndGet(reason.ordinal());
    }

    /** {@return handshakes started as initiator} */
    public long handshakesStarted() {
        return handshakesStarted.get();
    }

    /** {@return handshakes completed} */
    public long handshakesCompleted() {
        return handshakesCompleted.get();
    }

    /** {@return heartbeats sent} */
    public long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /**
     * Sessions that ended for {@code why}.
     *
     * @param why the reason
     * @return sessions that ended for {@code why}
     */
    public long sessionsEnded(SessionEnd why) {
        return sessionsEnded.get(why.ordinal());
    }

    /**
     * Handshake packets dropped for {@code reason}.
     *
     * @param reason the reason
     * @return handshake packets dropped for {@code reason}
     */
    public long handshakeRefusals(HandshakeRefusal reason) {
        return handshakeRefusals.get(reason.ordinal());
    }

    /**
     * Data packets refused for {@code reason}.
     *
     * @param reason the reason
     * @return data packets refused for {@code reason}
     */
    public long dataRefusals(Reason reason) {
        return dataRefusals.get(reason.ordinal());
    }
}
