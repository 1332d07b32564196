package dev.netseal.internal;

/**
 * 128 bytes of fields for a class to extend, so that the fields it declares start two cache
 * lines after anything the JVM puts before the object (128, not 64, as {@code @Contended} and
 * JCTools pad: current x86 cores prefetch cache lines in adjacent pairs, so a write 64 bytes away
 * can still pull a line from under another core): HotSpot lays out a superclass's fields
 * before a subclass's. With padding after them too (declared by a subclass of the class that
 * holds the hot field), a field one thread writes on every operation shares no cache line with
 * another object that other threads write ({@link NonceCounter}, ThreadLocalPool's thread
 * caches, {@link PacketBuilder}, whose claim the thread holding it CASes on every packet). The fields are never read; they exist for their size.
 */
@SuppressWarnings("unused")
public abstract class LinePadding {
    long l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13, l14, l15;
}
