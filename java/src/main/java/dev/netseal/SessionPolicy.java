package dev.netseal;

import java.time.Duration;
import java.util.Objects;

/**
 * The rules that keep a {@link DatagramEndpoint}'s sessions alive or end them, with net-mesh's
 * defaults (the project's WIRE.md, "Keeping sessions alive"). Immutable; change a rule with its
 * {@code with…} method:
 * <pre>{@code
 * SessionPolicy policy = SessionPolicy.defaults().withDeadAfter(Duration.ofSeconds(60));
 * }</pre>
 *
 * @param handshakeTimeout how long an initiator waits for message 2 before the next attempt (5 s)
 * @param handshakeAttempts attempts before a connect fails (3)
 * @param retryBackoff the wait before attempt n+1 is n times this, at most {@code maxBackoff} (100 ms)
 * @param maxBackoff the longest wait between attempts (5 s)
 * @param heartbeatAfter a heartbeat is sealed on a confirmed session that sent nothing for this long (5 s)
 * @param deadAfter a session with no authenticated packet for this long is removed, its keys wiped (30 s)
 * @param handshakesPerSecondPerSource message 1s a responder reads from one source address in a second;
 *        the rest are dropped before any DH (5)
 * @param maxUnconfirmed responder sessions kept before the initiator's first packet confirms them;
 *        at the cap the oldest is dropped first (1024)
 * @param tick how often the endpoint's one timer looks at every session and handshake (100 ms)
 * @param rekeyAfter the initiator starts a new handshake once its keys are this old (120 s)
 * @param rekeyAfterPackets or once it sealed this many packets under them (2^60)
 * @param rejectAfter keys this old never seal again: the session ends unless a re-handshake
 *        replaced them (180 s)
 */
public record SessionPolicy(Duration handshakeTimeout, int handshakeAttempts, Duration retryBackoff,
                            Duration maxBackoff, Duration heartbeatAfter, Duration deadAfter,
                            int handshakesPerSecondPerSource, int maxUnconfirmed, Duration tick,
                            Duration rekeyAfter, long rekeyAfterPackets, Duration rejectAfter) {

    /**
     * Checks every rule.
     *
     * @param handshakeTimeout as the record's component of that name
     * @param handshakeAttempts as the record's component of that name
     * @param retryBackoff as the record's component of that name
     * @param maxBackoff as the record's component of that name
     * @param heartbeatAfter as the record's component of that name
     * @param deadAfter as the record's component of that name
     * @param handshakesPerSecondPerSource as the record's component of that name
     * @param maxUnconfirmed as the record's component of that name
     * @param tick as the record's component of that name
     * @param rekeyAfter as the record's component of that name
     * @param rekeyAfterPackets as the record's component of that name
     * @param rejectAfter as the record's component of that name
     */
    public SessionPolicy {
        positive("handshakeTimeout", handshakeTimeout);
        positive("retryBackoff", retryBackoff);
        positive("maxBackoff", maxBackoff);
        positive("heartbeatAfter", heartbeatAfter);
        positive("deadAfter", deadAfter);
        positive("tick", tick);
        if (handshakeAttempts < 1) {
            throw new IllegalArgumentException("handshakeAttempts must be at least 1, got " + handshakeAttempts);
        }
        if (handshakesPerSecondPerSource < 1) {
            throw new IllegalArgumentException("handshakesPerSecondPerSource must be at least 1, got "
                    + handshakesPerSecondPerSource);
        }
        if (maxUnconfirmed < 1) {
            throw new IllegalArgumentException("maxUnconfirmed must be at least 1, got " + maxUnconfirmed);
        }
        positive("rekeyAfter", rekeyAfter);
        positive("rejectAfter", rejectAfter);
        if (rekeyAfterPackets < 1) {
            throw new IllegalArgumentException("rekeyAfterPackets must be at least 1, got " + rekeyAfterPackets);
        }
        if (rejectAfter.compareTo(rekeyAfter) <= 0) {
            throw new IllegalArgumentException("rejectAfter (" + rejectAfter + ") must be longer than rekeyAfter ("
                    + rekeyAfter + "), or keys would expire before a re-handshake could replace them");
        }
        if (deadAfter.compareTo(heartbeatAfter) <= 0) {
            throw new IllegalArgumentException("deadAfter (" + deadAfter + ") must be longer than heartbeatAfter ("
                    + heartbeatAfter + "), or idle sessions would die between heartbeats");
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /**
     * net-mesh's defaults.
     *
     * @return the defaults
     */
    public static SessionPolicy defaults() {
        return new SessionPolicy(Duration.ofSeconds(5), 3, Duration.ofMillis(100), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(30), 5, 1024, Duration.ofMillis(100),
                Duration.ofSeconds(120), 1L << 60, Duration.ofSeconds(180));
    }

    /**
     * This policy with another handshake timeout.
     *
     * @param d the timeout
     * @return the new policy
     */
    public SessionPolicy withHandshakeTimeout(Duration d) {
        return new SessionPolicy(d, handshakeAttempts, retryBackoff, maxBackoff, heartbeatAfter, deadAfter,
                handshakesPerSecondPerSource, maxUnconfirmed, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with another number of attempts.
     *
     * @param n the attempts
     * @return the new policy
     */
    public SessionPolicy withHandshakeAttempts(int n) {
        return new SessionPolicy(handshakeTimeout, n, retryBackoff, maxBackoff, heartbeatAfter, deadAfter,
                handshakesPerSecondPerSource, maxUnconfirmed, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with another heartbeat interval.
     *
     * @param d the interval
     * @return the new policy
     */
    public SessionPolicy withHeartbeatAfter(Duration d) {
        return new SessionPolicy(handshakeTimeout, handshakeAttempts, retryBackoff, maxBackoff, d, deadAfter,
                handshakesPerSecondPerSource, maxUnconfirmed, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with another dead-session timeout.
     *
     * @param d the timeout
     * @return the new policy
     */
    public SessionPolicy withDeadAfter(Duration d) {
        return new SessionPolicy(handshakeTimeout, handshakeAttempts, retryBackoff, maxBackoff, heartbeatAfter, d,
                handshakesPerSecondPerSource, maxUnconfirmed, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with another pacing limit.
     *
     * @param n message 1s per second per source address
     * @return the new policy
     */
    public SessionPolicy withHandshakesPerSecondPerSource(int n) {
        return new SessionPolicy(handshakeTimeout, handshakeAttempts, retryBackoff, maxBackoff, heartbeatAfter,
                deadAfter, n, maxUnconfirmed, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with another cap on unconfirmed sessions.
     *
     * @param n the cap
     * @return the new policy
     */
    public SessionPolicy withMaxUnconfirmed(int n) {
        return new SessionPolicy(handshakeTimeout, handshakeAttempts, retryBackoff, maxBackoff, heartbeatAfter,
                deadAfter, handshakesPerSecondPerSource, n, tick, rekeyAfter, rekeyAfterPackets, rejectAfter);
    }

    /**
     * This policy with other key ages: a re-handshake after {@code rekey}, and no seal after
     * {@code reject}.
     *
     * @param rekey when the initiator re-handshakes
     * @param reject when keys stop sealing
     * @return the new policy
     */
    public SessionPolicy withKeyAges(Duration rekey, Duration reject) {
        return new SessionPolicy(handshakeTimeout, handshakeAttempts, retryBackoff, maxBackoff, heartbeatAfter,
                deadAfter, handshakesPerSecondPerSource, maxUnconfirmed, tick, rekey, rekeyAfterPackets, reject);
    }

    /** The wait before attempt {@code attempt + 1} (attempt counts from 1). */
    Duration backoffAfter(int attempt) {
        Duration d = retryBackoff.multipliedBy(attempt);
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
