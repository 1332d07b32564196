package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/** Row refuse / netseal-java: see {@link AbstractNetsealRefuseBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=java")
public class NetsealJavaRefuseBench extends AbstractNetsealRefuseBench {
    @Override
    protected boolean nativeBackend() {
        return false;
    }
}
