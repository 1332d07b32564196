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
    unsigned char *a = netseal_key_create(raw);
    unsigned char *b = netseal_key_create(raw);

    CHECK(a != NULL && b != NULL && a != b);
    CHECK(memcmp(a, raw, sizeof raw) == 0);
    CHECK(netseal_key_count() == before + 2);
    CHECK(netseal_key_free(a) == 0);
    CHECK(netseal_key_count() == before + 1);
    CHECK(netseal_key_free(a) == -1); /* a double free is refused */
    CHECK(netseal_key_free(a + 1) == -1); /* so is a pointer into a slot */
    CHECK(netseal_key_free(NULL) == 0);
    CHECK(netseal_key_count() == before + 1);
    CHECK(netseal_key_free(b) == 0);
    CHECK(netseal_key_count() == before);
}

/* A generated key is random and live; copy_out refuses what is not a live slot. */
static void test_key_generate_and_copy_out(void)
{
    static const unsigned char zero[NETSEAL_KEY_BYTES];
    unsigned char out[NETSEAL_KEY_BYTES];
    long before = netseal_key_count();
    unsigned char *a = netseal_key_generate();
    unsigned char *b = netseal_key_generate();

    CHECK(a != NULL && b != NULL && a != b);
    CHECK(netseal_key_count() == before + 2);
    CHECK(memcmp(a, b, NETSEAL_KEY_BYTES) != 0);
    CHECK(memcmp(a, zero, NETSEAL_KEY_BYTES) != 0);
    CHECK(netseal_key_copy_out(a, out) == 0);
    CHECK(memcmp(out, a, NETSEAL_KEY_BYTES) == 0);
    CHECK(netseal_key_copy_out(a + 1, out) == -1); /* inside a slot */
    CHECK(netseal_key_copy_out(NULL, out) == -1);
    CHECK(netseal_key_copy_out(zero, out) == -1); /* not key memory at all */
    CHECK(netseal_key_free(a) == 0);
    memset(out, 0x5a, sizeof out);
    CHECK(netseal_key_copy_out(a, out) == -1); /* freed: refused, out untouched */
    CHECK(out[0] == 0x5a && out[31] == 0x5a);
    CHECK(netseal_key_free(b) == 0);
    CHECK(netseal_key_count() == before);
}

/* Fills a capped key memory until refusal, frees it, and allocates again. */
static void test_key_slabs(void)
{
    static unsigned char *keys[2 * NETSEAL_KEYS_PER_SLAB + 1];
    unsigned char raw[NETSEAL_KEY_BYTES] = {9};
    long before = netseal_key_count();
    long slabs = netseal_key_slabs();
    long previous = netseal_key_set_max_slabs(slabs + 1);
    long n = 0;

    while (n < (long)(sizeof keys / sizeof keys[0]) &&
           (keys[n] = netseal_key_create(raw)) != NULL)
        n++;
    CHECK(n < (long)(sizeof keys / sizeof keys[0])); /* refused at the cap */
    CHECK(n >= NETSEAL_KEYS_PER_SLAB);
    CHECK(netseal_key_slabs() == slabs + 1);
    for (long i = 0; i < n; i++)
        CHECK(netseal_key_free(keys[i]) == 0);
    CHECK(netseal_key_count() == before);
    keys[0] = netseal_key_create(raw);
    CHECK(keys[0] != NULL);
    CHECK(netseal_key_free(keys[0]) == 0);
    netseal_key_set_max_slabs(previous);
}

int main(void)
{
    unsigned char *key;

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
    if (key == NULL) {
        fprintf(stderr, "FAIL: netseal_key_create\n");
        return 1;
    }
    CHECK(netseal_key_count() == 1);

    test_nonce_layout();
    test_rfc_vector(key);
    test_empty(key);
    test_key_count();
    test_key_generate_and_copy_out();
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
