package dev.netseal;

/**
 * 64 bytes of fields for a class to extend, so that the fields it declares start a cache line's
 * length after anything the JVM puts before the object: HotSpot lays out a superclass's fields
 * before a subclass's. With padding after them too (declared by a subclass of the class that
 * holds the hot field), a field one thread writes on every operation shares no cache line with
 * another object that other threads write ({@link NonceCounter}, ThreadLocalPool's thread
 * caches). The fields are never read; they exist for their size.
 */
@SuppressWarnings("unused")
abstract class LeftLinePadding {
    long l0, l1, l2, l3, l4, l5, l6, l7;
}
