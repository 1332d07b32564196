package dev.netseal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The one source of fixed test keys: {@code key(n)} is SHA-256 of the calling test class's name
 * and {@code n}. The same class and number give the same key (a sender and its receiver agree),
 * and two classes never share one: a key and nonce prefix sealed once are refused for the rest of
 * the JVM (RetiredKeys), and every test class runs in one JVM.
 */
public final class TestKeys {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private TestKeys() {}

    /** Key number {@code n} of the calling test class. */
    public static byte[] key(int n) {
        return keyOf(WALKER.getCallerClass(), n);
    }

    /** Key number 0 of the calling test class. */
    public static byte[] key() {
        return keyOf(WALKER.getCallerClass(), 0);
    }

    private static byte[] keyOf(Class<?> caller, int n) {
        String owner = caller.getName();
        int nested = owner.indexOf('$');
        if (nested >= 0) {
            owner = owner.substring(0, nested); // a test's nested helpers share its keys
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((owner + ":" + n).getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
