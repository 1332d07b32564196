package dev.netseal.internal.aead;

import java.nio.ByteBuffer;

/**
 * Seals and opens in place, with a detached 16-byte tag that sits right after the message.
 * Not thread-safe: one per builder, one per receiving thread.
 *
 * <p>The nonce is {@code u32_le(prefix) || u64_le(counter)}. Offsets are absolute in {@code buf};
 * the associated data is {@code buf[aadOff, aadOff + aadLen)}; the message is
 * {@code buf[msgOff, msgOff + msgLen)} and its tag {@code buf[msgOff + msgLen, +16)}. Every
 * range is checked against the buffer before any native code runs.
 */
public interface AeadCipher {

    /** True when this cipher can seal or open inside {@code buf} without copying it. */
    boolean worksIn(ByteBuffer buf);

    /** Encrypts the message in place and writes its tag after it. */
    void seal(AeadKey key, int prefix, long counter, ByteBuffer buf, int aadOff, int aadLen,
              int msgOff, int msgLen);

    /**
     * Verifies the tag and, only if it is valid, decrypts the message in place. Returns false on a
     * forgery and then leaves the message as it was.
     */
    boolean open(AeadKey key, int prefix, long counter, ByteBuffer buf, int aadOff, int aadLen,
                 int msgOff, int msgLen);

    /** Throws {@link IndexOutOfBoundsException} unless every range lies inside {@code buf}. */
    static void checkRanges(ByteBuffer buf, int aadOff, int aadLen, int msgOff, int msgLen) {
        int cap = buf.capacity();
        java.util.Objects.checkFromIndexSize(aadOff, aadLen, cap);
        java.util.Objects.checkFromIndexSize(msgOff, msgLen, cap);
        java.util.Objects.checkFromIndexSize(msgOff + msgLen, dev.netseal.NetV1.TAG_SIZE, cap);
    }
}
