/* Key management and initialisation for the netseal AEAD layer. */
#include "netseal_aead.h"

#include <stdatomic.h>

/* Relaxed is enough: the count is a statistic, it orders nothing. */
static atomic_long live_keys;

int netseal_init(void)
{
    /* sodium_init(): 0 = initialised now, 1 = already was, -1 = failure. */
    return sodium_init() < 0 ? -1 : 0;
}

unsigned char *netseal_key_alloc(void)
{
    unsigned char *key;

    /*
     * sodium_malloc() relies on state (page size, canary) set up by
     * sodium_init(); calling it here makes key creation safe even if the
     * caller skipped init. It is idempotent and off the hot path.
     */
    if (sodium_init() < 0)
        return NULL;
    key = sodium_malloc(NETSEAL_KEY_BYTES);
    if (key != NULL)
        atomic_fetch_add_explicit(&live_keys, 1, memory_order_relaxed);
    return key;
}

int netseal_key_lock(unsigned char *key)
{
    return sodium_mprotect_readonly(key) == 0 ? 0 : -1;
}

void netseal_key_free(unsigned char *key)
{
    if (key == NULL)
        return;
    /* sodium_free() restores write access itself before wiping. */
    sodium_free(key);
    atomic_fetch_sub_explicit(&live_keys, 1, memory_order_relaxed);
}

long netseal_key_count(void)
{
    return atomic_load_explicit(&live_keys, memory_order_relaxed);
}
