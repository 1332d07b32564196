package dev.netseal;

import dev.netseal.internal.receive.PacketOpener;
import java.nio.ByteBuffer;

/** Test access to a receiver's session: opens with every check but the replay window. */
final class Receivers {
    private Receivers() {}

    /** Every check but the replay window (the window is neither read nor moved). */
    static OpenedPacket openWithoutReplayCheck(PacketReceiver receiver, ByteBuffer packet) throws PacketException {
        OpenedPacket out = new OpenedPacket();
        int start = packet.position();
        if (PacketOpener.checkShape(packet, start, packet.remaining(), out)
                && PacketOpener.openWithKeys(receiver.session.backend, receiver.session.keys(), packet, start,
                        packet.remaining(), out, false)) {
            return out;
        }
        throw out.refusalException();
    }

    /** The pool's own session as a SealingSession, for the forms that take one. */
    static SealingSession defaultSession(ThreadLocalPool pool) {
        return new SealingSession(pool.core.defaultSession(), pool);
    }
}
