/* Key memory and initialisation for the netseal AEAD layer. */
#include "netseal_aead.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_MASK ((uint32_t)NETSEAL_KEYS_PER_SLAB - 1)

#if (1 << NETSEAL_SLOT_BITS) != NETSEAL_KEYS_PER_SLAB
#error "NETSEAL_SLOT_BITS must be log2(NETSEAL_KEYS_PER_SLAB)"
#endif
#if (NETSEAL_SLAB_LIMIT << NETSEAL_SLOT_BITS) - 1 > 0xffffffffLL
#error "a key's index (slab number and slot) must fit the handle's low 32 bits"
#endif

/*
 * One slab: keys, a sodium_malloc() region of NETSEAL_KEYS_PER_SLAB key slots
 * (NULL while the slab holds no key memory), and the bookkeeping for it in
 * ordinary memory (it holds no secret). generation[] is each slot's
 * generation (odd: live; even: free); free_slots is a stack of the free slots
 * that may be handed out; retired marks the slots whose generation ran out.
 *
 * A slab's struct is made once, put at table[number] and never freed nor
 * moved: when the slab empties only its key memory is released, and a later
 * slab reuses the struct (and so carries its generations on).
 */
struct slab {
    _Atomic(unsigned char *) keys;
    struct slab *next_partial;
    int number;
    int locked;
    int in_partial;
    int free_top;
    int retired_count;
    unsigned short free_slots[NETSEAL_KEYS_PER_SLAB];
    unsigned char retired[NETSEAL_KEYS_PER_SLAB];
    _Atomic uint32_t generation[NETSEAL_KEYS_PER_SLAB];
};

#define SLAB_BYTES ((size_t)NETSEAL_KEYS_PER_SLAB * NETSEAL_KEY_BYTES)

/*
 * Every slab struct ever made, by number: an entry goes from NULL to its
 * struct once (under lock) and never changes again, so netseal_key_bytes()
 * reads it without the lock. 512 KiB of zeroed memory, of which the pages
 * never written are never backed.
 */
static _Atomic(struct slab *) table[NETSEAL_SLAB_LIMIT];

/* Everything below is guarded by lock; so are the slabs' plain fields. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int table_len;          /* structs made: table[0, table_len) */
static struct slab *partial;   /* slabs with key memory and a free slot */
static long slab_count;        /* slabs holding key memory */
static long unlocked_slabs;
static long max_slabs = NETSEAL_DEFAULT_MAX_SLABS;
static long live_keys;

int netseal_init(void)
{
    /* sodium_init(): 0 = initialised now, 1 = already was, -1 = failure. */
    return sodium_init() < 0 ? -1 : 0;
}

static netseal_key_handle handle_of(const struct slab *s, uint32_t slot,
                                    uint32_t generation)
{
    return (netseal_key_handle)generation << 32 |
           (netseal_key_handle)((uint32_t)s->number << NETSEAL_SLOT_BITS | slot);
}

/*
 * The slab and slot a handle names, if it names a live key; NULL otherwise.
 * This is the per-packet check, made without the lock. Why that is sound:
 *
 * - table[] entries and slab structs are never freed or changed once
 *   published (release store, acquire load here), so any handle, stale or
 *   forged, reads only memory that is always there.
 * - A slot's generation is written only under the lock: to odd by create,
 *   after the key bytes are copied in (release), and to even by free, before
 *   they are wiped. The values of one slot only grow (a slot whose
 *   generation would wrap is retired), so a generation is never repeated.
 * - A use of a handle that happens after the handle's free (in the same
 *   thread, or ordered after it by any synchronisation) reads the free's
 *   generation or a later one (read-after-write coherence): never the
 *   handle's own, so it is refused. A stale handle can thus never reach the
 *   key made later in its slot.
 * - The one use that could still read the handle's generation is one that
 *   runs at the same time as the free, with nothing ordering the two: a seal
 *   racing the free of its own key. No check can make that safe (the bytes
 *   are wiped under it), and the Java side excludes it: it frees a key only
 *   after every seal and open that may use it has ended.
 * - keys is set (under the lock) before any slot of the slab turns odd and
 *   cleared only when no slot is live, so a generation that matches (acquire)
 *   orders this read after the write that set it.
 */
__attribute__((always_inline)) static inline struct slab *
slab_of_live(netseal_key_handle key, uint32_t *slot_out)
{
    uint32_t index = (uint32_t)key;
    uint32_t generation = (uint32_t)(key >> 32);
    uint32_t number = index >> NETSEAL_SLOT_BITS;
    struct slab *s;

    if ((generation & 1) == 0 || number >= NETSEAL_SLAB_LIMIT)
        return NULL;
    s = atomic_load_explicit(&table[number], memory_order_acquire);
    if (s == NULL ||
        atomic_load_explicit(&s->generation[index & SLOT_MASK],
                             memory_order_acquire) != generation)
        return NULL;
    *slot_out = index & SLOT_MASK;
    return s;
}

const unsigned char *netseal_key_bytes(netseal_key_handle key)
{
    uint32_t slot;
    struct slab *s = slab_of_live(key, &slot);
    unsigned char *keys;

    if (s == NULL)
        return NULL;
    keys = atomic_load_explicit(&s->keys, memory_order_relaxed);
    return keys == NULL ? NULL : keys + (size_t)slot * NETSEAL_KEY_BYTES;
}

static void partial_push(struct slab *s)
{
    s->next_partial = partial;
    partial = s;
    s->in_partial = 1;
}

static void partial_remove(struct slab *s)
{
    struct slab **p = &partial;

    while (*p != s)
        p = &(*p)->next_partial;
    *p = s->next_partial;
    s->next_partial = NULL;
    s->in_partial = 0;
}

/*
 * Gives key memory to a slab struct (one whose memory was released, or a new
 * one) and puts it on the partial list; NULL at the slab cap or when memory
 * cannot be had. Call with lock held.
 */
static struct slab *slab_new(void)
{
    struct slab *s = NULL;
    unsigned char *keys;
    int made = 0;

    if (slab_count >= max_slabs)
        return NULL;
    for (int i = 0; i < table_len; i++) {
        struct slab *t = atomic_load_explicit(&table[i], memory_order_relaxed);

        if (atomic_load_explicit(&t->keys, memory_order_relaxed) == NULL &&
            t->retired_count < NETSEAL_KEYS_PER_SLAB) {
            s = t;
            break;
        }
    }
    if (s == NULL) {
        if (table_len >= NETSEAL_SLAB_LIMIT)
            return NULL;
        s = calloc(1, sizeof *s);
        if (s == NULL)
            return NULL;
        for (int i = 0; i < NETSEAL_KEYS_PER_SLAB; i++)
            atomic_init(&s->generation[i], 0);
        s->number = table_len;
        made = 1;
    }
    keys = sodium_malloc(SLAB_BYTES);
    if (keys == NULL) {
        if (made)
            free(s);
        return NULL;
    }
    /*
     * sodium_malloc() tries to lock the region and goes on if it cannot;
     * asking again is harmless and tells us which it was.
     */
    s->locked = sodium_mlock(keys, SLAB_BYTES) == 0;
    sodium_memzero(keys, SLAB_BYTES); /* sodium_malloc fills with 0xdb */
    /* The lowest slot on top of the stack; retired slots never come back. */
    s->free_top = 0;
    for (int i = NETSEAL_KEYS_PER_SLAB - 1; i >= 0; i--)
        if (!s->retired[i])
            s->free_slots[s->free_top++] = (unsigned short)i;
    atomic_store_explicit(&s->keys, keys, memory_order_relaxed);
    if (made) {
        atomic_store_explicit(&table[s->number], s, memory_order_release);
        table_len++;
    }
    partial_push(s);
    slab_count++;
    if (!s->locked)
        unlocked_slabs++;
    return s;
}

/* Releases an empty slab's key memory; its struct stays. Call with lock held. */
static void slab_release(struct slab *s)
{
    unsigned char *keys = atomic_load_explicit(&s->keys, memory_order_relaxed);

    if (s->in_partial)
        partial_remove(s);
    s->free_top = 0;
    slab_count--;
    if (!s->locked)
        unlocked_slabs--;
    atomic_store_explicit(&s->keys, NULL, memory_order_relaxed);
    /* Every slot was wiped when it was freed; sodium_free wipes the region once more. */
    sodium_free(keys);
}

netseal_key_handle netseal_key_create(const unsigned char *src)
{
    struct slab *s;
    netseal_key_handle handle = 0;

    /*
     * sodium_malloc() relies on state (page size, canary) set up by
     * sodium_init(); calling it here makes key creation safe even if the
     * caller skipped init. It is idempotent and off the hot path.
     */
    if (src == NULL || sodium_init() < 0)
        return 0;
    pthread_mutex_lock(&lock);
    s = partial != NULL ? partial : slab_new();
    if (s != NULL) {
        uint32_t slot = s->free_slots[--s->free_top];
        uint32_t generation =
            atomic_load_explicit(&s->generation[slot], memory_order_relaxed) + 1;
        unsigned char *keys = atomic_load_explicit(&s->keys, memory_order_relaxed);

        if (s->free_top == 0)
            partial_remove(s);
        memcpy(keys + (size_t)slot * NETSEAL_KEY_BYTES, src, NETSEAL_KEY_BYTES);
        /* Odd from here on: the bytes above are in place before any lookup matches. */
        atomic_store_explicit(&s->generation[slot], generation, memory_order_release);
        handle = handle_of(s, slot, generation);
        live_keys++;
    }
    pthread_mutex_unlock(&lock);
    return handle;
}

int netseal_key_free(netseal_key_handle key)
{
    struct slab *s;
    uint32_t slot;
    int rc = -1;

    if (key == 0)
        return 0;
    pthread_mutex_lock(&lock);
    s = slab_of_live(key, &slot);
    if (s != NULL) {
        uint32_t next = (uint32_t)(key >> 32) + 1; /* even: free; 0 once run out */
        unsigned char *keys = atomic_load_explicit(&s->keys, memory_order_relaxed);

        /* Stale from here on, before the bytes go: a late lookup is refused. */
        atomic_store_explicit(&s->generation[slot], next, memory_order_release);
        sodium_memzero(keys + (size_t)slot * NETSEAL_KEY_BYTES, NETSEAL_KEY_BYTES);
        if (next == 0) {
            /* 2^31 keys were made in this slot: it is never handed out again. */
            s->retired[slot] = 1;
            s->retired_count++;
        } else {
            s->free_slots[s->free_top++] = (unsigned short)slot;
            if (!s->in_partial)
                partial_push(s);
        }
        live_keys--;
        rc = 0;
        if (s->free_top + s->retired_count == NETSEAL_KEYS_PER_SLAB &&
            slab_count > 1)
            slab_release(s);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

netseal_key_handle netseal_key_generate(void)
{
    unsigned char fresh[NETSEAL_KEY_BYTES];
    netseal_key_handle key;

    if (sodium_init() < 0)
        return 0;
    randombytes_buf(fresh, sizeof fresh);
    key = netseal_key_create(fresh);
    sodium_memzero(fresh, sizeof fresh);
    return key;
}

int netseal_key_copy_out(netseal_key_handle key,
                         unsigned char out[NETSEAL_KEY_BYTES])
{
    const unsigned char *bytes;
    int rc = -1;

    pthread_mutex_lock(&lock);
    bytes = netseal_key_bytes(key);
    if (bytes != NULL) {
        memcpy(out, bytes, NETSEAL_KEY_BYTES);
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

netseal_key_handle netseal_key_set_generation_for_test(netseal_key_handle key,
                                                       uint32_t generation)
{
    struct slab *s;
    uint32_t slot;
    netseal_key_handle handle = 0;

    if ((generation & 1) == 0)
        return 0;
    pthread_mutex_lock(&lock);
    s = slab_of_live(key, &slot);
    if (s != NULL) {
        atomic_store_explicit(&s->generation[slot], generation, memory_order_release);
        handle = handle_of(s, slot, generation);
    }
    pthread_mutex_unlock(&lock);
    return handle;
}

static long read_locked(const long *value)
{
    long v;

    pthread_mutex_lock(&lock);
    v = *value;
    pthread_mutex_unlock(&lock);
    return v;
}

long netseal_key_count(void)
{
    return read_locked(&live_keys);
}

long netseal_key_slabs(void)
{
    return read_locked(&slab_count);
}

long netseal_key_unlocked_slabs(void)
{
    return read_locked(&unlocked_slabs);
}

long netseal_key_set_max_slabs(long max)
{
    long previous;

    pthread_mutex_lock(&lock);
    previous = max_slabs;
    if (max > NETSEAL_SLAB_LIMIT)
        max = NETSEAL_SLAB_LIMIT;
    if (max >= 0)
        max_slabs = max > 0 ? max : NETSEAL_DEFAULT_MAX_SLABS;
    pthread_mutex_unlock(&lock);
    return previous;
}
