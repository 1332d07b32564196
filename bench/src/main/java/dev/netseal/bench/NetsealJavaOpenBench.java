package dev.netseal.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * Row open / netseal-java: see {@link AbstractNetsealOpenBench}. The java backend cannot work in
 * a direct buffer, so the receiver copies the packet once more into its own array first; that is
 * what a user reading from a socket into a direct buffer gets.
 */
@Fork(jvmArgsAppend = "-Dnetseal.backend=java")
public class NetsealJavaOpenBench extends AbstractNetsealOpenBench {
    @Override
    protected boolean nativeBackend() {
        return false;
    }
}
