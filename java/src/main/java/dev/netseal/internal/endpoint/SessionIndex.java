package dev.netseal.internal.endpoint;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.function.Consumer;

/**
 * The endpoint's sessions by id (its map of the sessions the application holds), as its
 * machinery writes it; a session in a re-handshake's grace period answers to two ids. The
 * endpoint hands in its map's methods.
 *
 * @param <S> the session
 */
public final class SessionIndex<S> {
    /** Maps an id to a session. */
    @FunctionalInterface
    public interface Put<S> {
        /**
         * Maps {@code id} to {@code session}.
         *
         * @param id the id
         * @param session the session
         */
        void put(long id, S session);
    }

    /** Unmaps an id, if it maps to that session. */
    @FunctionalInterface
    public interface Remove<S> {
        /**
         * Unmaps {@code id}, if it maps to {@code session}.
         *
         * @param id the id
         * @param session the session
         * @return true if it was mapped to {@code session}
         */
        boolean remove(long id, S session);
    }

    private final LongPredicate contains;
    private final Put<S> put;
    private final Remove<S> remove;
    private final Consumer<Consumer<S>> forEach;

    /**
     * @param contains whether an id is mapped
     * @param put maps an id
     * @param remove unmaps an id from a session
     * @param forEach gives every session mapped to its argument, once per id
     */
    public SessionIndex(LongPredicate contains, Put<S> put, Remove<S> remove, Consumer<Consumer<S>> forEach) {
        this.contains = contains;
        this.put = put;
        this.remove = remove;
        this.forEach = forEach;
    }

    boolean contains(long id) {
        return contains.test(id);
    }

    void put(long id, S session) {
        put.put(id, session);
    }

    boolean remove(long id, S session) {
        return remove.remove(id, session);
    }

    /**
     * Every open session once (a session in a re-handshake's grace period answers to two ids).
     *
     * @return the sessions, a moment's view
     */
    public Collection<S> all() {
        Set<S> all = Collections.newSetFromMap(new IdentityHashMap<>());
        forEach.accept(all::add);
        return all;
    }
}
