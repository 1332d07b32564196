/*
 * Self-test for the netseal AEAD layer (not the JNI glue), built around the
 * RFC 8439 section 2.8.2 AEAD test vector. Exits 0 when every check passes.
 */
#include <stdio.h>
#include <string.h>

#include "netseal_aead.h"

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                  \
        }                                                                \
    } while (0)

/*
 * RFC nonce 07 00 00 00 | 40 41 42 43 44 45 46 47, expressed through our
 * prefix/counter split so the little-endian nonce layout is checked too.
 */
static const uint32_t rfc_prefix = 0x00000007u;
static const uint64_t rfc_counter = 0x4746454443424140u;

static const unsigned char rfc_aad[] = {
    0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7,
};

static const char rfc_plaintext[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only "
    "one tip for the future, sunscreen would be it.";

static const unsigned char rfc_ciphertext[] = {
    0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc,
    0x53, 0xef, 0x7e, 0xc2, 0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe,
    0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6, 0x3d, 0xbe, 0xa4, 0x5e,
    0x8c, 0xa9, 0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
    0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05, 0xd6, 0xa5, 0xb6,
    0x7e, 0xcd, 0x3b, 0x36, 0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c,
    0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58, 0xfa, 0xb3, 0x24, 0xe4,
    0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
    0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65,
    0x86, 0xce, 0xc6, 0x4b, 0x61, 0x16,
};

static const unsigned char rfc_tag[NETSEAL_TAG_BYTES] = {
    0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
    0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
};

#define MSG_LEN (sizeof rfc_plaintext - 1) /* without the C terminator */

static void test_nonce_layout(void)
{
    static const unsigned char want[NETSEAL_NONCE_BYTES] = {
        0x07, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43,
        0x44, 0x45, 0x46, 0x47,
    };
    unsigned char nonce[NETSEAL_NONCE_BYTES];

    netseal_nonce(nonce, rfc_prefix, rfc_counter);
    CHECK(memcmp(nonce, want, sizeof want) == 0);
}

static void test_rfc_vector(const unsigned char *key)
{
    unsigned char msg[MSG_LEN];
    unsigned char tag[NETSEAL_TAG_BYTES];
    unsigned char aad[sizeof rfc_aad];
    unsigned char saved[MSG_LEN];

    CHECK(sizeof rfc_ciphertext == MSG_LEN);
    memcpy(msg, rfc_plaintext, MSG_LEN);
    memcpy(aad, rfc_aad, sizeof aad);

    CHECK(netseal_seal(key, rfc_prefix, rfc_counter, aad, sizeof aad, msg,
                       MSG_LEN, tag) == 0);
    CHECK(memcmp(msg, rfc_ciphertext, MSG_LEN) == 0);
    CHECK(memcmp(tag, rfc_tag, sizeof tag) == 0);

    /* Tampering with any authenticated input must fail and leave msg as is. */
    memcpy(saved, msg, MSG_LEN);

    msg[17] ^= 0x01;
    CHECK(netseal_open(key, rfc_prefix, rfc_counter, aad, sizeof aad, msg,
                       MSG_LEN, tag) == -1);
    msg[17] ^= 0x01;
    CHECK(memcmp(msg, saved, MSG_LEN) == 0);

    tag[0] ^= 0x80;
    CHECK(netseal_open(key, rfc_prefix, rfc_counter, aad, sizeof aad, msg,
                       MSG_LEN, tag) == -1);
    tag[0] ^= 0x80;
    CHECK(memcmp(msg, saved, MSG_LEN) == 0);

    aad[5] ^= 0x10;
    CHECK(netseal_open(key, rfc_prefix, rfc_counter, aad, sizeof aad, msg,
                       MSG_LEN, tag) == -1);
    aad[5] ^= 0x10;
    CHECK(memcmp(msg, saved, MSG_LEN) == 0);

    CHECK(netseal_open(key, rfc_prefix, rfc_counter + 1, aad, sizeof aad,
                       msg, MSG_LEN, tag) == -1);
    CHECK(netseal_open(key, rfc_prefix + 1, rfc_counter, aad, sizeof aad,
                       msg, MSG_LEN, tag) == -1);
    CHECK(memcmp(msg, saved, MSG_LEN) == 0);

    /* The untampered packet opens back to the plaintext, in place. */
    CHECK(netseal_open(key, rfc_prefix, rfc_counter, aad, sizeof aad, msg,
                       MSG_LEN, tag) == 0);
    CHECK(memcmp(msg, rfc_plaintext, MSG_LEN) == 0);
}

/* Empty message and/or empty AAD: the JNI side may pass such lengths. */
static void test_empty(const unsigned char *key)
{
    unsigned char byte = 0xa5;
    unsigned char aad[56] = { 0 };
    unsigned char tag[NETSEAL_TAG_BYTES];

    CHECK(netseal_seal(key, 1, 2, &byte, 0, &byte, 0, tag) == 0);
    CHECK(netseal_open(key, 1, 2, &byte, 0, &byte, 0, tag) == 0);
    CHECK(byte == 0xa5);

    CHECK(netseal_seal(key, 1, 3, aad, sizeof aad, &byte, 0, tag) == 0);
    CHECK(netseal_open(key, 1, 3, aad, sizeof aad, &byte, 0, tag) == 0);
    aad[55] ^= 1;
    CHECK(netseal_open(key, 1, 3, aad, sizeof aad, &byte, 0, tag) == -1);
    CHECK(byte == 0xa5);
}

static void test_key_count(void)
{
    static const unsigned char raw[NETSEAL_KEY_BYTES] = {1, 2, 3};
    long before = netseal_key_count();
    netseal_key_handle a = netseal_key_create(raw);
    netseal_key_handle b = netseal_key_create(raw);

    CHECK(a != 0 && b != 0 && a != b);
    CHECK(netseal_key_bytes(a) != NULL &&
          memcmp(netseal_key_bytes(a), raw, sizeof raw) == 0);
    CHECK(netseal_key_count() == before + 2);
    CHECK(netseal_key_free(a) == 0);
    CHECK(netseal_key_count() == before + 1);
    CHECK(netseal_key_free(a) == -1); /* a double free is refused */
    CHECK(netseal_key_free(b + 1) == -1); /* so is another slot's index */
    CHECK(netseal_key_free(b ^ ((netseal_key_handle)2 << 32)) == -1); /* and generation */
    CHECK(netseal_key_free(0) == 0);
    CHECK(netseal_key_count() == before + 1);
    CHECK(netseal_key_free(b) == 0);
    CHECK(netseal_key_count() == before);
}

/* A generated key is random and live; copy_out refuses what is not a live key. */
static void test_key_generate_and_copy_out(void)
{
    static const unsigned char zero[NETSEAL_KEY_BYTES];
    unsigned char out[NETSEAL_KEY_BYTES];
    long before = netseal_key_count();
    netseal_key_handle a = netseal_key_generate();
    netseal_key_handle b = netseal_key_generate();

    CHECK(a != 0 && b != 0 && a != b);
    CHECK(netseal_key_count() == before + 2);
    CHECK(memcmp(netseal_key_bytes(a), netseal_key_bytes(b), NETSEAL_KEY_BYTES) != 0);
    CHECK(memcmp(netseal_key_bytes(a), zero, NETSEAL_KEY_BYTES) != 0);
    CHECK(netseal_key_copy_out(a, out) == 0);
    CHECK(memcmp(out, netseal_key_bytes(a), NETSEAL_KEY_BYTES) == 0);
    CHECK(netseal_key_copy_out(0, out) == -1);
    CHECK(netseal_key_copy_out(~(netseal_key_handle)0, out) == -1); /* not a key at all */
    CHECK(netseal_key_free(a) == 0);
    memset(out, 0x5a, sizeof out);
    CHECK(netseal_key_copy_out(a, out) == -1); /* freed: refused, out untouched */
    CHECK(out[0] == 0x5a && out[31] == 0x5a);
    CHECK(netseal_key_free(b) == 0);
    CHECK(netseal_key_count() == before);
}

/*
 * A freed handle never reaches the key made next in its slot (freed slots are
 * reused last in, first out): lookup, copy_out and free all refuse it, and
 * the new key is untouched. Also: handles that were never keys are refused.
 */
static void test_stale_handles(void)
{
    static const unsigned char first_raw[NETSEAL_KEY_BYTES] = {0x11};
    static const unsigned char second_raw[NETSEAL_KEY_BYTES] = {0x22};
    unsigned char out[NETSEAL_KEY_BYTES];
    long before = netseal_key_count();
    netseal_key_handle first = netseal_key_create(first_raw);
    const unsigned char *slot = netseal_key_bytes(first);
    netseal_key_handle second;

    CHECK(first != 0 && slot != NULL);
    CHECK(netseal_key_free(first) == 0);
    second = netseal_key_create(second_raw);
    CHECK(second != 0 && second != first);
    CHECK(netseal_key_bytes(second) == slot); /* the same slot, reused */
    CHECK((uint32_t)second == (uint32_t)first); /* same index... */
    CHECK(second >> 32 == (first >> 32) + 2);   /* ...two generations on */
    CHECK(netseal_key_bytes(first) == NULL);
    memset(out, 0, sizeof out);
    CHECK(netseal_key_copy_out(first, out) == -1);
    CHECK(out[0] == 0);
    CHECK(netseal_key_free(first) == -1);
    CHECK(netseal_key_count() == before + 1);
    CHECK(netseal_key_bytes(second) != NULL &&
          memcmp(netseal_key_bytes(second), second_raw, NETSEAL_KEY_BYTES) == 0);

    /* Handles that never were keys: refused, never a crash. */
    CHECK(netseal_key_bytes(0) == NULL);
    CHECK(netseal_key_bytes((uint32_t)second) == NULL); /* generation 0 (even) */
    CHECK(netseal_key_bytes(~(netseal_key_handle)0) == NULL);
    CHECK(netseal_key_bytes((netseal_key_handle)1 << 32 |
                            (netseal_key_handle)(NETSEAL_SLAB_LIMIT - 1)
                                << NETSEAL_SLOT_BITS) == NULL); /* no such slab */
    CHECK(netseal_key_bytes((netseal_key_handle)1 << 32 | 0xffffffffu) == NULL);
    CHECK(netseal_key_free(second) == 0);
    CHECK(netseal_key_count() == before);
}

/*
 * A slot whose generation runs out is retired: its last handle is refused
 * once freed, and no later key ever gets that slot (so no handle repeats).
 */
static void test_generation_runs_out(void)
{
    static const unsigned char raw[NETSEAL_KEY_BYTES] = {0x33};
    long before = netseal_key_count();
    netseal_key_handle a = netseal_key_create(raw);
    const unsigned char *slot = netseal_key_bytes(a);
    netseal_key_handle last = netseal_key_set_generation_for_test(a, 0xffffffffu);
    netseal_key_handle next[4];

    CHECK(last != 0 && last >> 32 == 0xffffffffu);
    CHECK(netseal_key_bytes(a) == NULL); /* the old generation is stale now */
    CHECK(netseal_key_bytes(last) == slot);
    CHECK(netseal_key_set_generation_for_test(last, 2) == 0); /* even: refused */
    CHECK(netseal_key_free(last) == 0);
    CHECK(netseal_key_bytes(last) == NULL);
    for (int i = 0; i < 4; i++) {
        next[i] = netseal_key_create(raw);
        CHECK(next[i] != 0 && netseal_key_bytes(next[i]) != slot);
        CHECK((uint32_t)next[i] != (uint32_t)last);
    }
    for (int i = 0; i < 4; i++)
        CHECK(netseal_key_free(next[i]) == 0);
    CHECK(netseal_key_free(last) == -1);
    CHECK(netseal_key_count() == before);
}

/* Fills a capped key memory until refusal, frees it, and allocates again. */
static void test_key_slabs(void)
{
    static netseal_key_handle keys[2 * NETSEAL_KEYS_PER_SLAB + 1];
    unsigned char raw[NETSEAL_KEY_BYTES] = {9};
    long before = netseal_key_count();
    long slabs = netseal_key_slabs();
    long previous = netseal_key_set_max_slabs(slabs + 1);
    long n = 0;

    while (n < (long)(sizeof keys / sizeof keys[0]) &&
           (keys[n] = netseal_key_create(raw)) != 0)
        n++;
    CHECK(n < (long)(sizeof keys / sizeof keys[0])); /* refused at the cap */
    CHECK(n >= NETSEAL_KEYS_PER_SLAB);
    CHECK(netseal_key_slabs() == slabs + 1);
    for (long i = 0; i < n; i++)
        CHECK(netseal_key_free(keys[i]) == 0);
    CHECK(netseal_key_count() == before);
    CHECK(netseal_key_slabs() <= slabs); /* the emptied slab's memory is released */
    /* A stale handle into a released slab is refused, and so after it is reused. */
    CHECK(netseal_key_bytes(keys[n - 1]) == NULL);
    CHECK(netseal_key_free(keys[n - 1]) == -1);
    keys[0] = netseal_key_create(raw);
    CHECK(keys[0] != 0);
    CHECK(netseal_key_free(keys[0]) == 0);
    netseal_key_set_max_slabs(previous);
}

int main(void)
{
    netseal_key_handle key;

    if (netseal_init() != 0) {
        fprintf(stderr, "FAIL: netseal_init\n");
        return 1;
    }
    CHECK(netseal_init() == 0); /* idempotent */

    {
        unsigned char raw[NETSEAL_KEY_BYTES];

        for (unsigned i = 0; i < NETSEAL_KEY_BYTES; i++)
            raw[i] = (unsigned char)(0x80 + i);
        key = netseal_key_create(raw);
        sodium_memzero(raw, sizeof raw);
    }
    if (key == 0) {
        fprintf(stderr, "FAIL: netseal_key_create\n");
        return 1;
    }
    CHECK(netseal_key_count() == 1);

    test_nonce_layout();
    test_rfc_vector(netseal_key_bytes(key));
    test_empty(netseal_key_bytes(key));
    test_key_count();
    test_key_generate_and_copy_out();
    test_stale_handles();
    test_generation_runs_out();
    test_key_slabs();

    netseal_key_free(key);
    CHECK(netseal_key_count() == 0);

    if (failures != 0) {
        fprintf(stderr, "netseal_selftest: %d check(s) failed\n", failures);
        return 1;
    }
    printf("netseal_selftest: all checks passed (libsodium %s)\n",
           sodium_version_string());
    return 0;
}
