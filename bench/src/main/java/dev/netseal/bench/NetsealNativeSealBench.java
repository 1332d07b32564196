package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/** Row seal / netseal-native: see {@link AbstractNetsealSealBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class NetsealNativeSealBench extends AbstractNetsealSealBench {
    @Override
    protected boolean nativeBackend() {
        return true;
    }
}
