/*
 * Raw libsodium floor for the JMH seal benchmarks: the cost of
 * crypto_aead_chacha20poly1305_ietf_encrypt_detached alone, with no JVM and
 * no JNI, shaped like netseal's per-packet call (in-place, 56-byte AAD,
 * fresh counter nonce per op, buffers reused).
 *
 *   raw_seal_bench <size> <warmup_seconds> <measure_seconds> <iterations>
 *                  [--json]
 *
 * Prints "size=<n> ns_per_op=<x>" per iteration, or with --json a single
 * {"size":n,"ns_per_op":[x,...]} line. Not shipped.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netseal_aead.h"

#define AAD_BYTES 56
#define MAX_SIZE (1UL << 30)
#define MAX_ITERATIONS 100000L
/*
 * Ops between clock reads: enough to make the ~20 ns clock_gettime cost
 * negligible even for tiny messages, small enough (~0.5 ms at 8 KiB) to
 * keep each measurement close to the requested duration.
 */
#define BATCH 128

/* Ends up holding bits of every tag so the work cannot be discarded. */
static volatile unsigned sink;

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct bench {
    const unsigned char *key;
    unsigned char aad[AAD_BYTES];
    unsigned char *msg;
    size_t size;
    uint64_t counter;
};

/* Seals for about `seconds` and returns the mean ns per seal. */
static double run(struct bench *b, double seconds)
{
    unsigned char nonce[NETSEAL_NONCE_BYTES];
    unsigned char tag[NETSEAL_TAG_BYTES];
    unsigned acc = 0;
    unsigned long long ops = 0;
    double start = now_ns(), deadline = start + seconds * 1e9, end;

    do {
        for (int i = 0; i < BATCH; i++) {
            netseal_nonce(nonce, 0x6e736c31u, b->counter++);
            acc += (unsigned)crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                b->msg, tag, NULL, b->msg, b->size, b->aad, sizeof b->aad,
                NULL, nonce, b->key);
            acc ^= tag[0];
        }
        ops += BATCH;
        end = now_ns();
    } while (end < deadline);

    sink ^= acc;
    return (end - start) / (double)ops;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, int allow_zero, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0) ||
        (!allow_zero && v == 0.0) || v > 3600.0)
        return -1;
    *out = v;
    return 0;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s <size> <warmup_seconds> <measure_seconds> "
            "<iterations> [--json]\n",
            prog);
}

int main(int argc, char **argv)
{
    const char *pos[4];
    int npos = 0, json = 0;
    long size, iterations;
    double warmup, measure;
    struct bench b;
    netseal_key_handle key;
    double *results;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (npos < 4)
            pos[npos++] = argv[i];
        else
            npos = 5;
    }
    if (npos != 4 || parse_long(pos[0], 0, (long)MAX_SIZE, &size) != 0 ||
        parse_seconds(pos[1], 1, &warmup) != 0 ||
        parse_seconds(pos[2], 0, &measure) != 0 ||
        parse_long(pos[3], 1, MAX_ITERATIONS, &iterations) != 0) {
        usage(argv[0]);
        return 2;
    }

    /* Without init libsodium stays on its portable reference code. */
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }

    /* Key in guarded memory, as in the JNI library, for a like-for-like load. */
    {
        unsigned char raw[NETSEAL_KEY_BYTES];

        randombytes_buf(raw, sizeof raw);
        key = netseal_key_create(raw);
        sodium_memzero(raw, sizeof raw);
    }
    b.msg = malloc(size > 0 ? (size_t)size : 1);
    results = malloc((size_t)iterations * sizeof *results);
    if (key == 0 || b.msg == NULL || results == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    randombytes_buf(b.aad, sizeof b.aad);
    randombytes_buf(b.msg, (size_t)size);
    b.key = netseal_key_bytes(key);
    b.size = (size_t)size;
    b.counter = 0;

    if (warmup > 0.0)
        run(&b, warmup);

    for (long i = 0; i < iterations; i++) {
        results[i] = run(&b, measure);
        if (!json) {
            printf("size=%ld ns_per_op=%.2f\n", size, results[i]);
            fflush(stdout);
        }
    }

    if (json) {
        printf("{\"size\":%ld,\"ns_per_op\":[", size);
        for (long i = 0; i < iterations; i++)
            printf("%s%.2f", i ? "," : "", results[i]);
        printf("]}\n");
    }

    free(results);
    free(b.msg);
    netseal_key_free(key);
    return 0;
}
