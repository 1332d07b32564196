/* Key memory and initialisation for the netseal AEAD layer. */
#include "netseal_aead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * One slab: a sodium_malloc() region of NETSEAL_KEYS_PER_SLAB key slots, and
 * the bookkeeping for it in ordinary memory (it holds no secret). free_slots
 * is a stack of the indexes not in use; in_use marks each slot so that a
 * bad or repeated free is recognised.
 */
struct slab {
    unsigned char *keys;
    struct slab *next;
    int free_top;
    int locked;
    unsigned short free_slots[NETSEAL_KEYS_PER_SLAB];
    unsigned char in_use[NETSEAL_KEYS_PER_SLAB];
};

#define SLAB_BYTES ((size_t)NETSEAL_KEYS_PER_SLAB * NETSEAL_KEY_BYTES)

/* Everything below is guarded by lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slab *slabs;
static long slab_count;
static long unlocked_slabs;
static long max_slabs = NETSEAL_DEFAULT_MAX_SLABS;
static long live_keys;

int netseal_init(void)
{
    /* sodium_init(): 0 = initialised now, 1 = already was, -1 = failure. */
    return sodium_init() < 0 ? -1 : 0;
}

static struct slab *slab_new(void)
{
    struct slab *s;

    if (slab_count >= max_slabs)
        return NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->keys = sodium_malloc(SLAB_BYTES);
    if (s->keys == NULL) {
        free(s);
        return NULL;
    }
    /*
     * sodium_malloc() tries to lock the region and goes on if it cannot;
     * asking again is harmless and tells us which it was.
     */
    s->locked = sodium_mlock(s->keys, SLAB_BYTES) == 0;
    sodium_memzero(s->keys, SLAB_BYTES); /* sodium_malloc fills with 0xdb */
    for (int i = 0; i < NETSEAL_KEYS_PER_SLAB; i++)
        s->free_slots[i] = (unsigned short)(NETSEAL_KEYS_PER_SLAB - 1 - i);
    s->free_top = NETSEAL_KEYS_PER_SLAB;
    s->next = slabs;
    slabs = s;
    slab_count++;
    if (!s->locked)
        unlocked_slabs++;
    return s;
}

static void slab_release(struct slab *s)
{
    struct slab **p = &slabs;

    while (*p != s)
        p = &(*p)->next;
    *p = s->next;
    slab_count--;
    if (!s->locked)
        unlocked_slabs--;
    /* Every slot was wiped when it was freed; sodium_free wipes the region once more. */
    sodium_free(s->keys);
    free(s);
}

unsigned char *netseal_key_create(const unsigned char *src)
{
    struct slab *s;
    unsigned char *key = NULL;
    int slot;

    /*
     * sodium_malloc() relies on state (page size, canary) set up by
     * sodium_init(); calling it here makes key creation safe even if the
     * caller skipped init. It is idempotent and off the hot path.
     */
    if (src == NULL || sodium_init() < 0)
        return NULL;
    pthread_mutex_lock(&lock);
    for (s = slabs; s != NULL && s->free_top == 0; s = s->next)
        ;
    if (s == NULL)
        s = slab_new();
    if (s != NULL) {
        slot = s->free_slots[--s->free_top];
        s->in_use[slot] = 1;
        key = s->keys + (size_t)slot * NETSEAL_KEY_BYTES;
        memcpy(key, src, NETSEAL_KEY_BYTES);
        live_keys++;
    }
    pthread_mutex_unlock(&lock);
    return key;
}

int netseal_key_free(unsigned char *key)
{
    struct slab *s;
    int rc = -1;

    if (key == NULL)
        return 0;
    pthread_mutex_lock(&lock);
    for (s = slabs; s != NULL; s = s->next) {
        size_t off;
        int slot;

        if (key < s->keys || key >= s->keys + SLAB_BYTES)
            continue;
        off = (size_t)(key - s->keys);
        slot = (int)(off / NETSEAL_KEY_BYTES);
        if (off % NETSEAL_KEY_BYTES != 0 || !s->in_use[slot])
            break; /* not a live slot: refused */
        sodium_memzero(key, NETSEAL_KEY_BYTES);
        s->in_use[slot] = 0;
        s->free_slots[s->free_top++] = (unsigned short)slot;
        live_keys--;
        rc = 0;
        if (s->free_top == NETSEAL_KEYS_PER_SLAB && slab_count > 1)
            slab_release(s);
        break;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

unsigned char *netseal_key_generate(void)
{
    unsigned char fresh[NETSEAL_KEY_BYTES];
    unsigned char *key;

    if (sodium_init() < 0)
        return NULL;
    randombytes_buf(fresh, sizeof fresh);
    key = netseal_key_create(fresh);
    sodium_memzero(fresh, sizeof fresh);
    return key;
}

/* The slab holding key, if key is a live slot; call with lock held. */
static struct slab *slab_of_live_key(const unsigned char *key)
{
    for (struct slab *s = slabs; s != NULL; s = s->next) {
        size_t off;

        if (key < s->keys || key >= s->keys + SLAB_BYTES)
            continue;
        off = (size_t)(key - s->keys);
        if (off % NETSEAL_KEY_BYTES != 0 || !s->in_use[off / NETSEAL_KEY_BYTES])
            return NULL;
        return s;
    }
    return NULL;
}

int netseal_key_copy_out(const unsigned char *key,
                         unsigned char out[NETSEAL_KEY_BYTES])
{
    int rc = -1;

    if (key == NULL)
        return -1;
    pthread_mutex_lock(&lock);
    if (slab_of_live_key(key) != NULL) {
        memcpy(out, key, NETSEAL_KEY_BYTES);
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
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
    if (max >= 0)
        max_slabs = max > 0 ? max : NETSEAL_DEFAULT_MAX_SLABS;
    pthread_mutex_unlock(&lock);
    return previous;
}
