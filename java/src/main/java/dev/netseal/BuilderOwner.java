package dev.netseal;

/** A pool a checked-out builder goes back to when it is closed. */
interface BuilderOwner {
    void release(PacketBuilder builder);
}
