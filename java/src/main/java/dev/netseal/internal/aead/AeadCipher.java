package dev.netseal.internal.aead;

import dev.netseal.NetV1;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Seals and opens in place, with a detached 16-byte tag that sits right after the message.
 * Not thread-safe: one per builder, one per receiving thread.
 *
 * <p>The nonce is {@code u32_le(prefix) || u64_le(counter)}. Offsets are absolute: the
 * associated data is {@code aad[aadOff, aadOff + aadLen)}; the message is
 * {@code buf[msgOff, msgOff + msgLen)} and its tag {@code buf[msgOff + msgLen, +16)}. Both
 * buffers must be ones this cipher {@linkplain #worksIn works in}. Every range is checked
 * against its buffer before any native code runs.
 */
public interface AeadCipher {

    /** True when this cipher can seal or open inside {@code buf} without copying it. */
    boolean worksIn(ByteBuffer buf);

    /** Encrypts the message in place and writes its tag after it. */
    void seal(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
              ByteBuffer buf, int msgOff, int msgLen);

    /**
     * Encrypts {@code src[srcOff, srcOff + msgLen)} into {@code dst[dstOff, dstOff + msgLen)} and
     * writes the tag right after it in {@code dst}; {@code src} is left as it was. {@code dst} must
     * be a buffer this cipher {@linkplain #worksIn works in}, and another buffer than {@code src}.
     */
    void sealTo(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                ByteBuffer src, int srcOff, int msgLen, ByteBuffer dst, int dstOff);

    /**
     * Verifies the tag and, only if it is valid, decrypts the message in place. Returns false on a
     * forgery and then leaves the message as it was.
     */
    boolean open(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                 ByteBuffer buf, int msgOff, int msgLen);

    /**
     * Seals {@code count} packets that lie in {@code buf} (one this cipher {@linkplain #worksIn works
     * in}) under one key: the packets {@code from .. from + count - 1} of the arrays, the k-th of them
     * with the counter {@code firstCounter + k}. Packet i has its header at
     * {@code bases[i]}, the associated data in place at header bytes 12..68 (see
     * {@code Wire.writeHeaderStart}), its payload of {@code payloadLens[i]} bytes from header byte
     * 68 and the tag after it; the nonce is written over header bytes 12..24 once the packet is
     * sealed. The caller checked the ranges ({@link #checkBatchRanges}) and drew the counters. This
     * form seals one packet after another; the native backend seals the whole batch in one call.
     */
    default void sealBatch(AeadKey key, int prefix, long firstCounter, ByteBuffer buf, int[] bases,
                           int[] payloadLens, int from, int count) {
        checkBatchRanges(buf, bases, payloadLens, from, count);
        for (int i = 0; i < count; i++) {
            int base = bases[from + i];
            seal(key, prefix, firstCounter + i, buf, base + Wire.AAD_IN_PLACE, NetV1.AAD_SIZE, buf,
                    base + NetV1.HEADER_SIZE, payloadLens[from + i]);
            Wire.writeNonce(buf, base, prefix, firstCounter + i);
        }
    }

    /** The most packets one {@link #sealBatch} takes. */
    int BATCH_MAX = 256;

    /**
     * Throws {@link IndexOutOfBoundsException} unless each of the {@code count} packets of a batch
     * (header, payload and tag) lies inside {@code buf}, or {@link IllegalArgumentException} for a
     * count out of range.
     */
    static void checkBatchRanges(ByteBuffer buf, int[] bases, int[] payloadLens, int from, int count) {
        if (count < 0 || count > BATCH_MAX) {
            throw new IllegalArgumentException("a batch holds 0 to " + BATCH_MAX + " packets, got " + count);
        }
        Objects.checkFromIndexSize(from, count, Math.min(bases.length, payloadLens.length));
        for (int i = from; i < from + count; i++) {
            int len = payloadLens[i];
            if (len < 0) {
                throw new IndexOutOfBoundsException("negative payload length " + len + " (packet " + i + ")");
            }
            Objects.checkFromIndexSize(bases[i],
                    NetV1.HEADER_SIZE + len + NetV1.TAG_SIZE, buf.capacity());
        }
    }

    /** Throws unless the ranges of an out-of-place seal lie in their buffers and the two differ. */
    @SuppressWarnings("ReferenceEquality") // the same buffer object, not equal contents
    static void checkSealToRanges(ByteBuffer aad, int aadOff, int aadLen, ByteBuffer src, int srcOff,
                                  int msgLen, ByteBuffer dst, int dstOff) {
        Objects.checkFromIndexSize(aadOff, aadLen, aad.capacity());
        Objects.checkFromIndexSize(srcOff, msgLen, src.capacity());
        Objects.checkFromIndexSize(dstOff, msgLen, dst.capacity());
        Objects.checkFromIndexSize(dstOff + msgLen, NetV1.TAG_SIZE, dst.capacity());
        if (dst == src || dst.isReadOnly()) {
            throw new IllegalArgumentException("an out-of-place seal needs a writable destination other than"
                    + " its source");
        }
    }

    /**
     * Throws {@link IndexOutOfBoundsException} unless the AAD lies inside {@code aad} and the
     * message and its tag inside {@code buf}. This is the check that protects the native code,
     * which reads and writes exactly these bytes.
     */
    static void checkRanges(ByteBuffer aad, int aadOff, int aadLen, ByteBuffer buf, int msgOff, int msgLen) {
        Objects.checkFromIndexSize(aadOff, aadLen, aad.capacity());
        // Message and tag as one range, msgLen checked first on its own so that a negative one
        // cannot hide inside msgLen + 16. That sum cannot wrap into a passing value either: it
        // overflows only for msgLen > MAX_VALUE - 16, and then it is negative, which is refused.
        if (msgLen < 0) {
            throw new IndexOutOfBoundsException("negative message length " + msgLen);
        }
        Objects.checkFromIndexSize(msgOff, msgLen + NetV1.TAG_SIZE, buf.capacity());
    }
}
