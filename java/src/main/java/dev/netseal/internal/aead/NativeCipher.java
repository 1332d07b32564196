package dev.netseal.internal.aead;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Crosses to libsodium through JNI with primitive arguments only. The address of the buffers
 * last worked in is cached: a builder always works in its own buffer and a receiving thread
 * usually in the same one, so the cold address lookup happens once, not per packet. Holding
 * the buffer object keeps it, and so its address, alive. When the AAD lives in the message's
 * buffer (a builder's in-place AAD), one lookup serves both.
 *
 * <p>What protects the native code is {@link AeadCipher#checkRanges} (every byte the C side
 * reads or writes lies inside its buffer), the direct, writable buffer check of the address
 * cache, and {@link #handle}'s refusal of a destroyed key. Behind that, the C side refuses a key
 * handle that is not a live key ({@link NativeSodium#NOT_LIVE}, an {@link IllegalStateException}
 * here): a handle used after its free never seals or opens under the key that took its slot.
 */
final class NativeCipher implements AeadCipher {

    private final AddressCache aadAddress = new AddressCache();
    private final AddressCache msgAddress = new AddressCache();

    @Override
    public boolean worksIn(ByteBuffer buf) {
        return buf.isDirect() && !buf.isReadOnly();
    }

    @Override
    @SuppressWarnings("ReferenceEquality") // aad in the same buffer object: one address lookup
    public void seal(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                     ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        long m = msgAddress.of(buf);
        long a = aad == buf ? m : aadAddress.of(aad);
        int rc = NativeSodium.seal(handle(key), prefix, counter, a + aadOff, aadLen, m + msgOff, msgLen);
        if (rc != 0) {
            throw refused(rc, "seal");
        }
    }

    @Override
    @SuppressWarnings("ReferenceEquality") // aad in the same buffer object: one address lookup
    public void sealTo(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                       ByteBuffer src, int srcOff, int msgLen, ByteBuffer dst, int dstOff) {
        AeadCipher.checkSealToRanges(aad, aadOff, aadLen, src, srcOff, msgLen, dst, dstOff);
        if (!dst.isDirect()) {
            throw new IllegalArgumentException("native sealing needs a writable direct buffer");
        }
        long s = msgAddress.of(src);
        long a = aad == src ? s : aadAddress.of(aad);
        // The destination is the caller's, usually a new view per packet (a Netty ByteBuf's NIO
        // buffer): looked up every time and never cached, so no reference to it is kept.
        long d = NativeBackend.addressOf(dst);
        int rc = NativeSodium.sealTo(handle(key), prefix, counter, a + aadOff, aadLen, s + srcOff, msgLen,
                d + dstOff);
        if (rc != 0) {
            throw refused(rc, "seal");
        }
    }

    @Override
    @SuppressWarnings("ReferenceEquality") // aad in the same buffer object: one address lookup
    public boolean open(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                        ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        long m = msgAddress.of(buf);
        long a = aad == buf ? m : aadAddress.of(aad);
        int rc = NativeSodium.open(handle(key), prefix, counter, a + aadOff, aadLen, m + msgOff, msgLen);
        if (rc == NativeSodium.NOT_LIVE) {
            throw refused(rc, "open");
        }
        return rc == 0;
    }

    @Override
    public void sealBatch(AeadKey key, int prefix, long firstCounter, ByteBuffer buf, int[] bases,
                          int[] payloadLens, int from, int count) {
        AeadCipher.checkBatchRanges(buf, bases, payloadLens, from, count);
        if (!worksIn(buf)) {
            throw new IllegalArgumentException("native sealing needs a writable direct buffer");
        }
        // The buffer goes across as an object: the C side asks the JVM for its address and
        // capacity (once per batch), so no address is cached for a buffer the caller owns.
        int rc = NativeSodium.sealBatch(handle(key), prefix, firstCounter, buf, bases, payloadLens, from,
                count);
        if (rc != 0) {
            throw refused(rc, rc <= -3 ? "seal packet " + (-rc - 3) + " of a batch" : "seal a batch");
        }
    }

    private static IllegalStateException refused(int rc, String what) {
        if (rc == NativeSodium.NOT_LIVE) {
            return new IllegalStateException("native key handle is not a live key: refused to " + what
                    + " (the key was freed; its handle never reaches the key that reuses its slot)");
        }
        return new IllegalStateException("libsodium refused to " + what + " (rc " + rc + ")");
    }

    /** The address of the buffer last asked for, looked up again only when the buffer changes. */
    private static final class AddressCache {
        private @Nullable ByteBuffer buffer;
        private long address;

        @SuppressWarnings("ReferenceEquality") // the address is the buffer object's, whatever its contents
        long of(ByteBuffer buf) {
            if (buf != buffer) {
                if (!buf.isDirect() || buf.isReadOnly()) {
                    throw new IllegalArgumentException("native sealing needs a writable direct buffer");
                }
                address = NativeBackend.addressOf(buf);
                buffer = buf;
            }
            return address;
        }
    }

    private static long handle(AeadKey key) {
        NativeBackend.Key k = (NativeBackend.Key) key;
        if (k.isDestroyed()) {
            // Unreachable through the pools (they wipe only after the last seal); a guard for misuse.
            throw new IllegalStateException("key was destroyed");
        }
        return k.handle;
    }
}
