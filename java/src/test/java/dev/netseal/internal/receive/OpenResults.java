package dev.netseal.internal.receive;

import dev.netseal.PacketException.Reason;

/** Test access to what the opener writes into a result. */
public final class OpenResults {
    private OpenResults() {}

    /** Writes a refusal as the opener does. */
    public static void refuse(OpenResult out, Reason reason, long a, long b) {
        out.refuse(reason, a, b);
    }
}
