package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/** Row refuse / netseal-native: see {@link AbstractNetsealRefuseBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class NetsealNativeRefuseBench extends AbstractNetsealRefuseBench {
    @Override
    protected boolean nativeBackend() {
        return true;
    }
}
