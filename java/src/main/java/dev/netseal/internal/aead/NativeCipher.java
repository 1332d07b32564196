package dev.netseal.internal.aead;

import java.nio.ByteBuffer;

/**
 * Crosses to libsodium through JNI with primitive arguments only. The address of the buffer
 * last worked in is cached: a builder always works in its own buffer and a receiving thread
 * usually in the same one, so the cold address lookup happens once, not per packet.
 */
final class NativeCipher implements AeadCipher {

    private ByteBuffer addressOf;
    private long address;

    @Override
    public boolean worksIn(ByteBuffer buf) {
        return buf.isDirect() && !buf.isReadOnly();
    }

    @Override
    public void seal(AeadKey key, int prefix, long counter, ByteBuffer buf, int aadOff, int aadLen,
                     int msgOff, int msgLen) {
        long base = base(buf, aadOff, aadLen, msgOff, msgLen);
        int rc = NativeSodium.seal(handle(key), prefix, counter, base + aadOff, aadLen,
                base + msgOff, msgLen, base + msgOff + msgLen);
        if (rc != 0) {
            throw new IllegalStateException("libsodium refused to seal (rc " + rc + ")");
        }
    }

    @Override
    public boolean open(AeadKey key, int prefix, long counter, ByteBuffer buf, int aadOff, int aadLen,
                        int msgOff, int msgLen) {
        long base = base(buf, aadOff, aadLen, msgOff, msgLen);
        return NativeSodium.open(handle(key), prefix, counter, base + aadOff, aadLen,
                base + msgOff, msgLen, base + msgOff + msgLen) == 0;
    }

    private long base(ByteBuffer buf, int aadOff, int aadLen, int msgOff, int msgLen) {
        if (!worksIn(buf)) {
            throw new IllegalArgumentException("native sealing needs a writable direct buffer");
        }
        AeadCipher.checkRanges(buf, aadOff, aadLen, msgOff, msgLen);
        if (buf != addressOf) {
            address = NativeBackend.addressOf(buf);
            addressOf = buf;
        }
        return address;
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
