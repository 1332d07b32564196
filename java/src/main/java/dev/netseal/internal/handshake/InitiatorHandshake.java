package dev.netseal.internal.handshake;

import dev.netseal.SessionPolicy;
import dev.netseal.internal.aead.AeadKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * An initiator's handshake: its attempts (each a fresh message 1 and ephemeral key), the one
 * waiting for message 2, and the wait between attempts. Guarded by itself; the receive thread
 * reads message 2s under it, the timer moves it on, and whoever ends it wipes its state.
 *
 * @param <S> the session the handshake makes (or renews)
 */
public final class InitiatorHandshake<S> {
    private final InetSocketAddress to;
    private final CompletableFuture<S> result = new CompletableFuture<>();
    private final Dial dial;
    private final NoiseCrypto crypto;
    /** The session a re-handshake renews, or null for a connect. */
    private final @Nullable S rekeyOf;
    /** The attempt waiting for message 2: null before the first, or when the last could not start. */
    private @Nullable HandshakeState state;
    private int attempt;
    /** When the current attempt times out, or (waitingToResend set) when the next one is sent. */
    private long deadline;
    private boolean waitingToResend;
    private boolean done;
    private int refused;

    /**
     * A handshake not started yet: {@link #nextAttempt} makes its first message 1.
     *
     * @param to the responder's address
     * @param dial what the handshake is made of
     * @param crypto the handshake's own primitives (its buffers are not shared)
     * @param rekeyOf the session a re-handshake renews, or null for a new session
     */
    public InitiatorHandshake(InetSocketAddress to, Dial dial, NoiseCrypto crypto, @Nullable S rekeyOf) {
        this.to = to;
        this.dial = dial;
        this.crypto = crypto;
        this.rekeyOf = rekeyOf;
    }

    /** {@return the responder's address} */
    public InetSocketAddress to() {
        return to;
    }

    /** {@return the session, once made; fails when the handshake does} */
    public CompletableFuture<S> result() {
        return result;
    }

    /** {@return what the handshake is made of (what a re-handshake sends again)} */
    public Dial dial() {
        return dial;
    }

    /** {@return the session a re-handshake renews, or null for a connect} */
    public @Nullable S rekeyOf() {
        return rekeyOf;
    }

    /**
     * {@return the state of the attempt waiting for message 2, or null before the first (or after
     * one that could not start)}
     */
    public synchronized @Nullable HandshakeState state() {
        return state;
    }

    /** {@return true once the handshake ended (completed, failed or abandoned)} */
    public synchronized boolean isDone() {
        return done;
    }

    /** Counts an answer that did not complete the handshake (for the timeout's message). */
    public synchronized void refusedAnswer() {
        refused++;
    }

    /**
     * Starts the next attempt at {@code now}: a fresh state and its message 1.
     *
     * @param now the endpoint's clock
     * @param policy the attempts' timeout
     * @return the message 1 to send
     */
    public synchronized byte[] nextAttempt(long now, SessionPolicy policy) {
        if (state != null) {
            state.close();
            state = null;
        }
        AeadKey pskKey = dial.psk().acquire();
        try {
            byte[] payload = dial.payload();
            HandshakeState next = HandshakeState.initiator(crypto, dial.prologue(), pskKey, dial.responderKey());
            try {
                byte[] message1 = new byte[HandshakeState.messageLength(payload.length)];
                next.writeMessage(payload, 0, payload.length, message1, 0);
                state = next;
                attempt++;
                deadline = now + policy.handshakeTimeout().toNanos();
                waitingToResend = false;
                return message1;
            } catch (RuntimeException e) {
                next.close();
                throw e;
            }
        } finally {
            dial.psk().release();
        }
    }

    /**
     * What the timer does at {@code now}: null, or the message 1 of a new attempt to send. An
     * attempt that timed out with attempts left waits the backoff first; the last one fails
     * the handshake with {@code timedOut}'s exception.
     *
     * @param now the endpoint's clock
     * @param policy the attempts and their timeout
     * @param backoff the wait before attempt {@code attempt + 1} (attempt counts from 1)
     * @param timedOut the exception of a handshake whose every attempt timed out
     * @return the message 1 to send, or null
     */
    public synchronized byte @Nullable [] onTick(long now, SessionPolicy policy, IntFunction<Duration> backoff,
                                                 Function<InitiatorHandshake<S>, IOException> timedOut) {
        if (done || now - deadline < 0) {
            return null;
        }
        if (waitingToResend) {
            try {
                return nextAttempt(now, policy);
            } catch (RuntimeException e) { // the PSK was closed meanwhile
                fail(e);
                return null;
            }
        }
        if (attempt >= policy.handshakeAttempts()) {
            fail(timedOut.apply(this));
            return null;
        }
        waitingToResend = true;
        deadline = now + backoff.apply(attempt).toNanos();
        return null;
    }

    /** Ends the handshake's state: wipes its secrets and destroys its ephemeral key. */
    public synchronized void finish() {
        if (!done) {
            done = true;
            if (state != null) {
                state.close();
            }
        }
    }

    /**
     * Ends the handshake and fails its result.
     *
     * @param cause why
     */
    public void fail(Throwable cause) {
        finish();
        result.completeExceptionally(cause);
    }

    /** {@return what the timeout's message says of the answers refused, or nothing} */
    public synchronized String refusedAnswers() {
        return refused == 0 ? "" : " (" + refused + " answer(s) refused: they did not complete this handshake)";
    }
}
