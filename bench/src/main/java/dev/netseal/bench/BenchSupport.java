package dev.netseal.bench;

import dev.netseal.Netseal;
import java.util.SplittableRandom;

/** What every benchmark shares: fixed test keys, the backend check, common sizes. */
final class BenchSupport {
    private BenchSupport() {}

    /** AAD bytes of a Net v1 packet (the header less the nonce); peers get the same amount. */
    static final int AAD_BYTES = 56;
    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    /** Bytes of the length prefix netseal writes before each event. */
    static final int EVENT_PREFIX = 4;

    static final long SESSION_ID = 0x6e65_7473_6561_6c31L;
    static final long STREAM_ID = 7L;

    /** Deterministic bytes (benchmarks need no secrecy, only realistic content). */
    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    static byte[] key() {
        return bytes(KEY_BYTES, 42);
    }

    /** The event of a one-event packet whose payload is {@code size} bytes. */
    static byte[] eventForPayload(int size) {
        if (size < EVENT_PREFIX) {
            throw new IllegalArgumentException("size must be at least " + EVENT_PREFIX + ": " + size);
        }
        return bytes(size - EVENT_PREFIX, size);
    }

    /**
     * Makes {@code backend} ("native" or "java") the JVM's netseal backend, unless the JVM was
     * started with another ({@code -Dnetseal.backend}), then checks it as {@link #requireBackend}.
     * A JMH fork runs one @Param combination and has used no netseal class before its setup, so
     * the property set here is the one the library reads.
     */
    static void useBackend(String backend) {
        if (!backend.equals("native") && !backend.equals("java")) {
            throw new IllegalArgumentException("backend must be native or java: " + backend);
        }
        String chosen = System.getProperty("netseal.backend", "auto");
        if (chosen.equals("auto")) {
            System.setProperty("netseal.backend", backend);
        }
        requireBackend(backend.equals("native"));
    }

    /**
     * Throws unless the backend the JVM chose is the one this benchmark is named for, and prints
     * which it is (the line lands in the JMH log).
     */
    static void requireBackend(boolean wantNative) {
        boolean isNative;
        try {
            isNative = Netseal.isNativeActive();
        } catch (RuntimeException e) {
            throw new IllegalStateException("netseal backend unavailable (-Dnetseal.backend="
                    + System.getProperty("netseal.backend") + "): " + e.getMessage(), e);
        }
        if (isNative != wantNative) {
            throw new IllegalStateException("expected the " + (wantNative ? "native" : "java")
                    + " backend, but netseal runs on: " + Netseal.backendDescription());
        }
        System.out.println("[bench] netseal backend: " + Netseal.backendDescription());
    }

    /** Writes the 12-byte IETF nonce {@code prefix || counter} (little-endian), as netseal does. */
    static void writeNonce(byte[] nonce, int prefix, long counter) {
        for (int i = 0; i < 4; i++) {
            nonce[i] = (byte) (prefix >>> (8 * i));
        }
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
    }
}
