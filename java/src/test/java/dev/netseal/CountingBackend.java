package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.BackendKind;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * A test seam: a backend that counts the AEAD calls its ciphers make, records the keys it
 * imports, runs optional hooks at a key import, before a seal or after an open (to force, at an exact
 * point, what a race or a failure would do), and otherwise delegates. The hooks are set before
 * the call they hook.
 */
final class CountingBackend implements AeadBackend {
    final AeadBackend delegate;
    final List<AeadKey> imported = new CopyOnWriteArrayList<>();
    /** Run inside importKey, after the import. */
    volatile Runnable onImport;
    /** Run on the sealing thread inside a cipher's seal, before it seals. */
    volatile Runnable beforeSeal;
    /** Run after a cipher's open, verified or not, with the counter (it may throw). */
    volatile LongConsumer afterOpen;
    final AtomicLong opens = new AtomicLong();
    final AtomicLong seals = new AtomicLong();
    /** Of {@link #seals}: those that wrote straight into another buffer than the source. */
    final AtomicLong sealsTo = new AtomicLong();
    /** Batch seals: one per run of a session's packets in a batch. */
    final AtomicLong sealBatches = new AtomicLong();
    final AtomicLong ciphers = new AtomicLong();

    CountingBackend(AeadBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public BackendKind kind() {
        return delegate.kind();
    }

    @Override
    public String description() {
        return "counting " + delegate.description();
    }

    @Override
    public AeadKey importKey(byte[] key) {
        AeadKey k = delegate.importKey(key);
        imported.add(k);
        Runnable hook = onImport;
        if (hook != null) {
            hook.run();
        }
        return k;
    }

    @Override
    public ByteBuffer allocate(int capacity) {
        return delegate.allocate(capacity);
    }

    @Override
    public AeadCipher newCipher() {
        ciphers.incrementAndGet();
        AeadCipher inner = delegate.newCipher();
        return new AeadCipher() {
            @Override
            public boolean worksIn(ByteBuffer buf) {
                return inner.worksIn(buf);
            }

            @Override
            public void seal(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                             ByteBuffer buf, int msgOff, int msgLen) {
                seals.incrementAndGet();
                runBeforeSeal();
                inner.seal(key, prefix, counter, aad, aadOff, aadLen, buf, msgOff, msgLen);
            }

            @Override
            public void sealTo(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                               ByteBuffer src, int srcOff, int msgLen, ByteBuffer dst, int dstOff) {
                seals.incrementAndGet();
                sealsTo.incrementAndGet();
                runBeforeSeal();
                inner.sealTo(key, prefix, counter, aad, aadOff, aadLen, src, srcOff, msgLen, dst, dstOff);
            }

            @Override
            public void sealBatch(AeadKey key, int prefix, long firstCounter, ByteBuffer buf, int[] bases,
                                  int[] payloadLens, int from, int count) {
                sealBatches.incrementAndGet();
                runBeforeSeal();
                inner.sealBatch(key, prefix, firstCounter, buf, bases, payloadLens, from, count);
            }

            @Override
            public boolean open(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                                ByteBuffer buf, int msgOff, int msgLen) {
                opens.incrementAndGet();
                boolean ok = inner.open(key, prefix, counter, aad, aadOff, aadLen, buf, msgOff, msgLen);
                LongConsumer hook = afterOpen;
                if (hook != null) {
                    hook.accept(counter);
                }
                return ok;
            }
        };
    }

    private void runBeforeSeal() {
        Runnable hook = beforeSeal;
        if (hook != null) {
            hook.run();
        }
    }
}
