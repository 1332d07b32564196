/*
 * netseal AEAD layer: ChaCha20-Poly1305 (IETF, RFC 8439) over caller-owned
 * memory, sealed in place with a detached 16-byte tag.
 *
 * This layer knows nothing about packet formats and nothing about JNI; it is
 * shared by the JNI glue and the C self-test. All length/offset validation is
 * the caller's job; the only checks here are the ones cheap enough to keep on
 * a per-packet path.
 */
#ifndef NETSEAL_AEAD_H
#define NETSEAL_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define NETSEAL_KEY_BYTES   crypto_aead_chacha20poly1305_ietf_KEYBYTES
#define NETSEAL_NONCE_BYTES crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define NETSEAL_TAG_BYTES   crypto_aead_chacha20poly1305_ietf_ABYTES

/* 0 once libsodium is initialised (idempotent), -1 if it cannot be. */
int netseal_init(void);

/*
 * Key lifecycle. Keys live in sodium_malloc() memory (guard pages, canary,
 * excluded from core dumps where supported) so that the key never sits in
 * the Java heap or in ordinary malloc memory.
 *
 * netseal_key_alloc() returns NETSEAL_KEY_BYTES of writable memory so the
 * caller can copy the key straight in (no intermediate stack copy to wipe);
 * netseal_key_lock() then makes it read-only. netseal_key_free() accepts
 * NULL and wipes the key (sodium_free zeroes before unmapping).
 */
unsigned char *netseal_key_alloc(void);
int netseal_key_lock(unsigned char *key);
void netseal_key_free(unsigned char *key);

/* Live keys (allocated, not yet freed): a hook for leak tests. */
long netseal_key_count(void);

/*
 * Nonce = prefix (4 bytes LE) || counter (8 bytes LE). Written with shifts
 * rather than memcpy of host integers so the layout does not depend on host
 * endianness; on little-endian targets it compiles to two plain stores.
 */
static inline void netseal_nonce(unsigned char nonce[NETSEAL_NONCE_BYTES],
                                 uint32_t prefix, uint64_t counter)
{
    for (int i = 0; i < 4; i++)
        nonce[i] = (unsigned char)(prefix >> (8 * i));
    for (int i = 0; i < 8; i++)
        nonce[4 + i] = (unsigned char)(counter >> (8 * i));
}

/*
 * seal/open are inline because they sit on the per-packet path: the JNI
 * entry point should be a single hop into libsodium.
 */

/* Encrypts msg in place and writes the tag. 0 on success, -1 on failure. */
static inline int netseal_seal(const unsigned char *key, uint32_t prefix,
                               uint64_t counter, const unsigned char *aad,
                               size_t aad_len, unsigned char *msg,
                               size_t msg_len,
                               unsigned char tag[NETSEAL_TAG_BYTES])
{
    unsigned char nonce[NETSEAL_NONCE_BYTES];

    netseal_nonce(nonce, prefix, counter);
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
               msg, tag, NULL, msg, msg_len, aad, aad_len, NULL, nonce, key)
               == 0 ? 0 : -1;
}

/*
 * Encrypts msg into out (another buffer; it must not overlap msg) and writes
 * the tag after it. 0 on success, -1 on failure. Lets a caller seal straight
 * into the buffer it sends from, with no copy of the sealed bytes.
 */
static inline int netseal_seal_to(const unsigned char *key, uint32_t prefix,
                                  uint64_t counter, const unsigned char *aad,
                                  size_t aad_len, const unsigned char *msg,
                                  size_t msg_len, unsigned char *out,
                                  unsigned char tag[NETSEAL_TAG_BYTES])
{
    unsigned char nonce[NETSEAL_NONCE_BYTES];

    netseal_nonce(nonce, prefix, counter);
    return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
               out, tag, NULL, msg, msg_len, aad, aad_len, NULL, nonce, key)
               == 0 ? 0 : -1;
}

/*
 * Verifies the tag over aad + ciphertext and, only if it is valid, decrypts
 * msg in place. 0 on success, -1 on authentication failure.
 *
 * libsodium's in-place decrypt_detached zeroes the output buffer when the
 * tag is wrong, which would destroy the caller's ciphertext. Our contract is
 * "buffer untouched on failure", so we verify with a NULL output (libsodium
 * then only checks the tag), and decrypt with the raw ChaCha20 stream
 * starting at block 1 -- block 0 is the one RFC 8439 reserves for the
 * Poly1305 key, so this is exactly the AEAD's keystream.
 */
static inline int netseal_open(const unsigned char *key, uint32_t prefix,
                               uint64_t counter, const unsigned char *aad,
                               size_t aad_len, unsigned char *msg,
                               size_t msg_len,
                               const unsigned char tag[NETSEAL_TAG_BYTES])
{
    unsigned char nonce[NETSEAL_NONCE_BYTES];

    netseal_nonce(nonce, prefix, counter);
    if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
            NULL, NULL, msg, msg_len, tag, aad, aad_len, nonce, key) != 0)
        return -1;
    crypto_stream_chacha20_ietf_xor_ic(msg, msg, msg_len, nonce, 1U, key);
    return 0;
}

#endif /* NETSEAL_AEAD_H */
