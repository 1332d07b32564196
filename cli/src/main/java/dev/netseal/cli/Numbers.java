package dev.netseal.cli;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Numbers on the command line: decimal ({@code 42}) or hex with a {@code 0x} prefix
 * ({@code 0x2a}), never negative. A 64-bit field takes the whole unsigned range, 0 to 2^64-1,
 * and is returned as the {@code long} with the same bits.
 */
final class Numbers {
    private Numbers() {}

    /**
     * Parses an unsigned number of at most {@code bits} bits (1..64). Anything else, including a
     * sign, a fraction or a value past the field's range, is a usage error naming {@code what}.
     */
    static long unsigned(String what, String text, int bits) throws UsageException {
        if (bits < 1 || bits > 64) {
            throw new IllegalArgumentException("bits must be 1..64, got " + bits);
        }
        BigInteger value = parse(what, text);
        if (value.bitLength() > bits) {
            throw new UsageException(what + ": " + text + " is out of range (0 to "
                    + BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE) + ")");
        }
        return value.longValue(); // for 64 bits: the unsigned value's two's-complement bits
    }

    /**
     * Parses an int in {@code [min, max]}, for counts and sizes (threads, bytes, a port), in the
     * same notations.
     */
    static int intInRange(String what, String text, int min, int max) throws UsageException {
        BigInteger value = parse(what, text);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new UsageException(what + ": " + text + " is out of range (" + min + " to " + max + ")");
        }
        return value.intValueExact();
    }

    /**
     * Parses a duration in seconds, in {@code (0, max]}: a decimal that may have a fraction
     * ({@code 0.5}), or a whole number in hex.
     */
    static double seconds(String what, String text, double max) throws UsageException {
        BigDecimal value;
        if (text.matches("[0-9]+(\\.[0-9]+)?")) {
            value = new BigDecimal(text);
        } else {
            value = new BigDecimal(parse(what, text));
        }
        if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new UsageException(what + ": " + text + " is out of range (more than 0, at most "
                    + BigDecimal.valueOf(max).stripTrailingZeros().toPlainString() + ")");
        }
        return value.doubleValue();
    }

    private static BigInteger parse(String what, String text) throws UsageException {
        if (text.startsWith("-")) {
            throw new UsageException(what + ": " + text + " is negative; only 0 and up are allowed");
        }
        // Only these two shapes: no '+', no '_', no octal, so a typo never becomes another value.
        if (text.matches("[0-9]+")) {
            return new BigInteger(text);
        }
        if (text.matches("0[xX][0-9a-fA-F]+")) {
            return new BigInteger(text.substring(2), 16);
        }
        throw new UsageException(what + ": not a number: '" + text + "' (decimal, or hex with 0x)");
    }
}
