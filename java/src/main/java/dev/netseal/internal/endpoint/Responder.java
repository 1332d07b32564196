package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.NetV1;
import dev.netseal.SessionEnd;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.handshake.EphemeralReplayCache;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.LentKey;
import dev.netseal.internal.handshake.NoiseCrypto;
import dev.netseal.internal.handshake.SourcePacer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * An endpoint's responder: the receive thread's checks of a message 1 that cost no DH (length,
 * pacing per source), then a bounded queue to a thread of its own, which runs the DH, refuses a
 * replay, and answers with message 2: a new session, or a re-handshake of the session it has
 * with that initiator. The receive thread never does a responder's DH itself, so a flood of
 * message 1s cannot hold up the data packets behind it; a full queue drops the next one (BUSY).
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class Responder<S, T> {
    private static final System.Logger LOG = System.getLogger("dev.netseal");
    private static final int MESSAGE_MIN = HandshakeState.messageLength(0);

    /**
     * Who the responder is and what it requires and answers.
     *
     * @param identity the static private key
     * @param publicKey the static public key (not copied: never written)
     * @param psk the pre-shared key
     * @param prologue the prologue initiators must have used
     * @param responsePayload the payload of every message 2
     */
    @SuppressWarnings("ArrayRecordComponent") // carried, never compared or hashed: no equals on the arrays
    public record Keys(LentKey identity, byte[] publicKey, LentKey psk, byte[] prologue, byte[] responsePayload) {}

    /**
     * What the responder holds at most.
     *
     * @param queue message 1s waiting for the DH
     * @param replayNanos how long an accepted message 1's ephemeral key is remembered
     * @param replayCapacity ephemeral keys remembered
     * @param pacedSources source addresses paced at once
     */
    public record Bounds(int queue, long replayNanos, int replayCapacity, int pacedSources) {}

    /** A message 1 that passed the receive thread's checks, for the responder thread. */
    @SuppressWarnings("ArrayRecordComponent") // carried, never compared or hashed: no equals on the array
    private record Message1(InetSocketAddress from, byte[] message) {}

    private final EndpointContext<S, T> ctx;
    private final SessionRegistry<S, T> registry;
    private final KeyRotation<S, T> rotation;
    private final Keys keys;
    /** Message 1s waiting for the responder thread; full, the receive thread drops the next. */
    private final ArrayBlockingQueue<Message1> message1s;
    private final Thread thread;

    // The receive thread only.
    private final SourcePacer pacer;

    // The responder thread only.
    private final EphemeralReplayCache replays;
    private final NoiseCrypto crypto;
    private final byte[] payload = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];

    /**
     * A responder whose thread is not started yet.
     *
     * @param ctx what the endpoint's parts share
     * @param registry the endpoint's sessions
     * @param rotation what installs a re-handshake's keys
     * @param keys who the responder is
     * @param bounds what it holds at most
     * @param name the endpoint's name, for the thread's
     */
    public Responder(EndpointContext<S, T> ctx, SessionRegistry<S, T> registry, KeyRotation<S, T> rotation, Keys keys,
                     Bounds bounds, String name) {
        this.ctx = ctx;
        this.registry = registry;
        this.rotation = rotation;
        this.keys = keys;
        this.message1s = new ArrayBlockingQueue<>(bounds.queue());
        this.pacer = new SourcePacer(ctx.policy.handshakesPerSecondPerSource(), bounds.pacedSources());
        this.replays = new EphemeralReplayCache(bounds.replayNanos(), bounds.replayCapacity());
        this.crypto = ctx.newCrypto();
        this.thread = new Thread(this::respondLoop, "netseal-endpoint-handshakes-" + name);
        thread.setDaemon(true);
    }

    /** Starts the responder thread. */
    public void start() {
        thread.start();
    }

    /** Stops the responder thread, and waits for it unless called on it. */
    public void stop() {
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The receive thread's part of a message 1: the checks that cost no DH (length, pacing), then
     * a copy onto the responder's queue, or a drop when it is full.
     */
    void offer(InetSocketAddress from, byte[] message, int length) {
        if (length < MESSAGE_MIN) {
            ctx.counters.refused(HandshakeRefusal.MESSAGE1_WRONG_LENGTH);
            return;
        }
        if (!pacer.allow(from, ctx.clock.getAsLong())) {
            ctx.counters.refused(HandshakeRefusal.PACED);
            return;
        }
        if (!message1s.offer(new Message1(from, Arrays.copyOf(message, length)))) {
            ctx.counters.refused(HandshakeRefusal.BUSY);
        }
    }

    /** The responder thread: every queued message 1, one at a time, until the endpoint closes. */
    private void respondLoop() {
        while (!ctx.closed.getAsBoolean()) {
            Message1 m;
            try {
                m = message1s.take();
            } catch (InterruptedException e) {
                return; // close()
            }
            try {
                respond(m.from(), m.message());
            } catch (RuntimeException e) {
                if (!ctx.closed.getAsBoolean()) {
                    LOG.log(Level.WARNING, "netseal endpoint: a handshake's handling failed", e);
                }
            }
        }
    }

    private void respond(InetSocketAddress from, byte[] message) {
        int length = message.length;
        long now = ctx.clock.getAsLong();
        if (replays.contains(message, 0, now)) {
            ctx.counters.refused(HandshakeRefusal.MESSAGE1_REPLAYED);
            return;
        }
        AeadKey staticKey;
        AeadKey pskKey;
        try {
            staticKey = keys.identity().acquire();
        } catch (IllegalStateException closedIdentity) {
            ctx.counters.refused(HandshakeRefusal.NOT_ACCEPTING);
            return;
        }
        try {
            try {
                pskKey = keys.psk().acquire();
            } catch (IllegalStateException closedPsk) {
                ctx.counters.refused(HandshakeRefusal.NOT_ACCEPTING);
                return;
            }
            try (HandshakeState state = HandshakeState.responder(crypto, keys.prologue(), pskKey, staticKey,
                    keys.publicKey())) {
                int r = state.readMessage(message, 0, length, payload, 0);
                if (r < 0) {
                    ctx.counters.refused(r == HandshakeState.WEAK_KEY ? HandshakeRefusal.WEAK_KEY
                            : r == HandshakeState.TOO_SHORT ? HandshakeRefusal.MESSAGE1_WRONG_LENGTH
                            : HandshakeRefusal.MESSAGE1_AUTH_FAILED);
                    return;
                }
                replays.remember(message, 0, now);
                byte[] peerPayload = Arrays.copyOf(payload, r);
                byte[] response = keys.responsePayload();
                byte[] message2 = new byte[HandshakeState.messageLength(response.length)];
                state.writeMessage(response, 0, response.length, message2, 0);
                answer(from, state.handshakeHash(), peerPayload, message2);
            } finally {
                keys.psk().release();
            }
        } finally {
            keys.identity().release();
        }
    }

    /** A message 1 read: a re-handshake of the session with {@code from}, or a new session. */
    private void answer(InetSocketAddress from, byte[] h, byte[] peerPayload, byte[] message2) {
        S existing = registry.byRemote(from);
        if (existing != null && !registry.isClosed(existing) && registry.state(existing).isConfirmed()) {
            // The same initiator again: a re-handshake. The new keys open at once and seal
            // once the initiator's first packet under them confirms them.
            if (!rotation.rekey(existing, h, false)) {
                return;
            }
            ctx.counters.handshakeCompleted();
            sendMessage2(message2, from); // lost: the initiator tries again, and the old keys go on
            return;
        }
        S s = registry.establish(h, false, from, peerPayload, null);
        if (s == null) {
            return;
        }
        ctx.counters.handshakeCompleted();
        registry.awaitConfirmation(s);
        if (!sendMessage2(message2, from)) {
            registry.end(s, SessionEnd.CLOSED);
            return;
        }
        registry.announce(s);
    }

    /** Sends a responder's message 2; false (logged at DEBUG) when the socket refuses it. */
    private boolean sendMessage2(byte[] message2, InetSocketAddress to) {
        try {
            ctx.sender.send(message2, to);
            return true;
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "netseal endpoint: message 2 could not be sent", e);
            return false;
        }
    }
}
