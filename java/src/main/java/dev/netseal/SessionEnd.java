package dev.netseal;

/** Why a {@link PeerSession} ended (see {@link DatagramEndpoint.SessionListener#onSessionEnded}). */
public enum SessionEnd {
    /** The application closed it. */
    CLOSED,
    /** No authenticated packet arrived on it for {@link SessionPolicy#deadAfter()}. */
    TIMED_OUT,
    /** A responder's session that no packet from the initiator confirmed within the handshake timeout. */
    UNCONFIRMED_EXPIRED,
    /** A responder's unconfirmed session dropped, the oldest first, to stay within {@link SessionPolicy#maxUnconfirmed()}. */
    UNCONFIRMED_DROPPED,
    /**
     * Its keys reached {@link SessionPolicy#rejectAfter()} and no re-handshake replaced them: they
     * never seal again.
     */
    KEYS_EXPIRED,
    /** Its endpoint was closed. */
    ENDPOINT_CLOSED
}
