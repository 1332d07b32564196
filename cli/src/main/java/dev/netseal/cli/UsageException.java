package dev.netseal.cli;

/**
 * The command line was wrong: a missing or unknown option, a value that does not parse or is out
 * of range. The CLI prints the message and the usage to stderr and exits with status 2.
 */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A usage error described by {@code message}, which names the argument at fault. */
    UsageException(String message) {
        super(message, null, false, false); // the message says everything; a trace would be noise
    }
}
