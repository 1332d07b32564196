package dev.netseal.netty;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import java.util.Objects;

/**
 * A message that owns one reference to each of its event buffers: releasing the message to zero
 * releases every event. What {@link OpenedDatagram} and {@link OutboundEvents} share.
 */
abstract class EventBuffers extends AbstractReferenceCounted {
    private final ByteBuf[] events;

    /** Takes ownership of one reference to each of {@code events}. */
    EventBuffers(ByteBuf[] events) {
        this.events = events;
    }

    /**
     * Number of events.
     *
     * @return the number of events
     */
    public int eventCount() {
        return events.length;
    }

    /**
     * Event {@code i}: not a copy, valid while this message is ({@code retain()} it to keep it).
     *
     * @param i the event's index, from 0
     * @return the event's buffer
     */
    public ByteBuf event(int i) {
        if (refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
        }
        return events[Objects.checkIndex(i, events.length)];
    }

    @Override
    protected void deallocate() {
        for (ByteBuf e : events) {
            e.release();
        }
    }

    @Override
    public EventBuffers touch(Object hint) {
        for (ByteBuf e : events) {
            e.touch(hint);
        }
        return this;
    }
}
