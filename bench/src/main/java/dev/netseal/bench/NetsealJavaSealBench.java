package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/** Row seal / netseal-java: see {@link AbstractNetsealSealBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=java")
public class NetsealJavaSealBench extends AbstractNetsealSealBench {
    @Override
    protected boolean nativeBackend() {
        return false;
    }
}
