package dev.netseal;

/**
 * Reaches {@link PacketReceiver}'s package-private benchmark hook from the bench module. This
 * class lives in the library's package (a split package on the class path, which is fine for a
 * benchmark jar) and is never shipped.
 */
public final class ReceiverBenchAccess {
    private ReceiverBenchAccess() {}

    /** Forgets every counter {@code receiver} accepted, so a fixed ring of packets can be reopened. */
    public static void forgetAcceptedCounters(PacketReceiver receiver) {
        receiver.forgetAcceptedCountersForBenchmark();
    }
}
