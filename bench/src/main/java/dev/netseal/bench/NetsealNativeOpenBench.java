package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/** Row open / netseal-native: see {@link AbstractNetsealOpenBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class NetsealNativeOpenBench extends AbstractNetsealOpenBench {
    @Override
    protected boolean nativeBackend() {
        return true;
    }
}
