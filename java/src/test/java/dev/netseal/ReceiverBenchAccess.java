package dev.netseal;

/**
 * Forgets the counters a receiver accepted, so that a fixed ring of packets can be opened again
 * and again: for the open benchmarks (bench/ uses the library's test jar) and the tests of what
 * that does. It lives with the tests, not in the library: it re-admits replays.
 */
public final class ReceiverBenchAccess {
    private ReceiverBenchAccess() {}

    /**
     * Forgets every counter {@code receiver}'s current key accepted.
     *
     * @param receiver the receiver, never a live one
     */
    public static void forgetAcceptedCounters(PacketReceiver receiver) {
        ReceiveSession.Keys keys = receiver.session().keys();
        if (keys == null) {
            throw new IllegalStateException("receiver is closed");
        }
        keys.current.window.forgetAll();
    }
}
