package dev.netseal.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test on any leak Netty's detector reports. The detector runs at PARANOID (every buffer
 * tracked, set in the surefire configuration and here) and reports to this class instead of only
 * logging. After each test: collect, then allocate so that the detector looks at its queue, and
 * assert that it found nothing.
 */
public final class LeakWatch implements AfterEachCallback {
    static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                         long maxActive) {
                return new Recording<>(resource, samplingInterval);
            }
        });
    }

    /** Call before any buffer class is loaded (a static initializer of the test class). */
    static void install() {
        // the static initializer above did it
    }

    private static final class Recording<T> extends ResourceLeakDetector<T> {
        Recording(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + " leaked:" + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType + " leaked");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (int round = 0; round < 4; round++) {
            System.gc();
            Thread.sleep(30);
            for (int i = 0; i < 50; i++) { // the detector looks at its queue when it tracks a new buffer
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                b.release();
                ByteBuf h = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                h.release();
            }
        }
        List<String> found = List.copyOf(LEAKS);
        LEAKS.clear();
        assertEquals(List.of(), found, "Netty's leak detector reported leaks");
    }
}
