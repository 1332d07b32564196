package dev.netseal.internal.endpoint;

import java.util.function.LongConsumer;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;
import java.util.function.ObjLongConsumer;

/**
 * The endpoint's session table (the keys that open what the peers send, by session id), as its
 * machinery uses it: the endpoint hands in its table's methods.
 */
public final class RxTable {
    /** Replaces a session's opening key, under a new id; the old one opens through its grace period. */
    @FunctionalInterface
    public interface Rekey {
        /**
         * Replaces the key and the id.
         *
         * @param id the session's id now
         * @param key the new key (copied)
         * @param newId the new id
         */
        void rekey(long id, byte[] key, long newId);
    }

    private final LongPredicate contains;
    private final ObjLongConsumer<byte[]> add;
    private final LongConsumer remove;
    private final Rekey rekey;
    private final LongUnaryOperator highestAccepted;

    /**
     * @param contains whether an id opens packets (its previous key's grace period included)
     * @param add adds a session: its key (copied) and id
     * @param remove removes a session by id, and wipes its keys
     * @param rekey replaces a session's key and id
     * @param highestAccepted the highest counter a session accepted (its replay window's edge)
     */
    public RxTable(LongPredicate contains, ObjLongConsumer<byte[]> add, LongConsumer remove, Rekey rekey,
                   LongUnaryOperator highestAccepted) {
        this.contains = contains;
        this.add = add;
        this.remove = remove;
        this.rekey = rekey;
        this.highestAccepted = highestAccepted;
    }

    boolean contains(long id) {
        return contains.test(id);
    }

    void add(byte[] key, long id) {
        add.accept(key, id);
    }

    void remove(long id) {
        remove.accept(id);
    }

    void rekey(long id, byte[] key, long newId) {
        rekey.rekey(id, key, newId);
    }

    long highestAccepted(long id) {
        return highestAccepted.applyAsLong(id);
    }
}
