package dev.netseal.netty;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** {@link LeakWatch} for test classes in other packages. */
public final class LeakWatchAccess implements AfterEachCallback {
    private final LeakWatch watch = new LeakWatch();

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        watch.afterEach(context);
    }
}
