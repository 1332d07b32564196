package dev.netseal.cli;

import java.util.HexFormat;

/** Hex on the command line: bytes are given as hex digits and always printed in lowercase. */
final class Hex {
    private static final HexFormat LOWER = HexFormat.of();

    private Hex() {}

    /** {@code bytes} as lowercase hex digits, two per byte, no separators. */
    static String encode(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /**
     * Parses hex digits (either case, no separators, no {@code 0x}) into bytes. {@code what} names
     * the argument in the error, so that the user knows which of several hex values is wrong.
     */
    static byte[] decode(String what, String text) throws UsageException {
        // A stray character first: it says more than the odd length it often causes.
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
                throw new UsageException(what + ": not hex: '" + c + "' at position " + i);
            }
        }
        if ((text.length() & 1) != 0) {
            throw new UsageException(what + ": odd number of hex digits (" + text.length()
                    + "); every byte takes two");
        }
        return LOWER.parseHex(text);
    }
}
