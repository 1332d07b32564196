package dev.netseal;

import dev.netseal.internal.receive.PacketOpener;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Test helpers for the receiving side: an open without the replay window, a pool's own session, events as lists. */
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

    /** The events of an opened packet as lists of bytes, for assertEquals. */
    static List<List<Byte>> eventLists(OpenedPacket p) {
        List<List<Byte>> events = new ArrayList<>();
        for (byte[] e : p.events()) {
            List<Byte> bytes = new ArrayList<>();
            for (byte b : e) {
                bytes.add(b);
            }
            events.add(bytes);
        }
        return events;
    }
}
