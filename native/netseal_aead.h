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
 * Key lifecycle. Keys live in slabs of libsodium guarded memory: each slab is
 * one sodium_malloc() region (guard pages around it, a canary, locked with
 * mlock, excluded from core dumps where supported) holding
 * NETSEAL_KEYS_PER_SLAB 32-byte key slots. So a key costs 32 bytes of locked
 * memory and no memory mapping of its own (one guarded key per sodium_malloc()
 * took 4 mappings, and vm.max_map_count stopped a JVM at about 16,000 keys).
 *
 * Slabs stay readable and writable. Making a slab read-only between writes
 * (what one sodium_malloc() per key allowed) costs two mprotect() calls per
 * key create or free, and on locked memory those took about 840 us each here
 * (200,000 keys: 3 minutes of system time), against a target of 10 us for a
 * whole session's create and remove. Guard pages bound the slab; a stray
 * write inside it could reach another key, as it could reach any memory of
 * the process.
 *
 * A key is named by a handle, never by its address: the slot's index (slab
 * number and slot, the low 32 bits) and the slot's generation (the high 32
 * bits). Every slot counts its generation up on each create and each free,
 * so a live slot's generation is odd and a free one's even, and no two keys
 * ever made in a slot share a handle. Freed slots are reused last in, first
 * out, so without the generation a handle kept past its free would name the
 * next key made: with it, such a stale handle is refused by every call here
 * (an error return), never a use of another key. A slot whose 32-bit
 * generation runs out (2^31 keys made in it) is retired, never handed out
 * again, so a generation never repeats. Handle 0 is never a key.
 *
 * netseal_key_create() copies NETSEAL_KEY_BYTES from src into a free slot and
 * returns its handle, or 0 when no slot can be had (the slab limit is
 * reached, or sodium_malloc() fails). netseal_key_free() wipes the slot
 * (sodium_memzero) and gives it back; an empty slab's memory is released,
 * except the last one's. It accepts 0, and ignores (returning -1) a handle
 * that is not a live key, so a double free or a stale handle is refused
 * instead of freeing another key or corrupting the free list. All of these
 * are thread-safe (one mutex: key create/free is not per-packet).
 *
 * A slab's bookkeeping (ordinary memory: generations and the free list, no
 * secret; about 14 KiB per 2048 keys) is kept when its key memory is
 * released, so that a stale handle always finds its slot's generation: the
 * bookkeeping stays at the largest number of slabs the process ever had.
 *
 * mlock can fail (RLIMIT_MEMLOCK): a slab that could not be locked is still
 * guarded and wiped, but the kernel may swap it out.
 * netseal_key_unlocked_slabs() says how many slabs are in that state.
 */
#define NETSEAL_KEYS_PER_SLAB 2048
#define NETSEAL_SLOT_BITS 11 /* log2(NETSEAL_KEYS_PER_SLAB) */
#define NETSEAL_DEFAULT_MAX_SLABS 4096 /* 8,388,608 keys, 256 MiB */
#define NETSEAL_SLAB_LIMIT 65536 /* the highest cap: 134,217,728 keys, 4 GiB */

typedef uint64_t netseal_key_handle;

netseal_key_handle netseal_key_create(const unsigned char *src);
int netseal_key_free(netseal_key_handle key);

/*
 * The key bytes of a live handle, or NULL for a handle that is not a live key
 * (0, freed, or never made). The per-packet lookup: no lock, one generation
 * compare (netseal_aead.c says why that is sound). The pointer is good until
 * the key is freed; the caller must not free a key while a seal or open that
 * uses it runs (the Java side frees a key only after its last seal).
 */
const unsigned char *netseal_key_bytes(netseal_key_handle key);

/*
 * Like netseal_key_create(), with NETSEAL_KEY_BYTES from libsodium's CSPRNG:
 * a secret (an ephemeral X25519 private key) that never exists outside the
 * key memory but for a stack copy wiped at once. 0 as netseal_key_create().
 */
netseal_key_handle netseal_key_generate(void);

/*
 * Copies a live key's bytes to out (the caller wipes it after use): 0, or -1
 * (out untouched) when key is not a live key. The check and the copy are
 * made under the key lock, so a stale or forged handle is an error return,
 * never a read of another key, of freed or of unmapped memory. The X25519
 * entry points work on such a copy, so that a slow scalar multiplication
 * holds no lock.
 */
int netseal_key_copy_out(netseal_key_handle key,
                         unsigned char out[NETSEAL_KEY_BYTES]);

/* Live keys (allocated, not yet freed): a hook for leak tests. */
long netseal_key_count(void);

/* Slabs now holding key memory, and how many of them mlock refused. */
long netseal_key_slabs(void);
long netseal_key_unlocked_slabs(void);

/*
 * Caps the number of slabs (so keys at NETSEAL_KEYS_PER_SLAB each); 0 restores
 * the default, a negative value changes nothing, a value above
 * NETSEAL_SLAB_LIMIT is taken as that limit. Returns the previous cap.
 * Lowering it below the slabs in use frees nothing; it only refuses new slabs.
 */
long netseal_key_set_max_slabs(long max_slabs);

/*
 * For the self-test only: sets a live key's generation to the odd value
 * generation and returns its new handle (the old one is then stale), or 0
 * when key is not live or generation is even. It lets the test reach a
 * slot's last generation without making 2^31 keys.
 */
netseal_key_handle netseal_key_set_generation_for_test(netseal_key_handle key,
                                                       uint32_t generation);

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
