/*
 * Bench-only JNI library (libnetseal_bench_jni.so) for dev.netseal.bench.SodiumFloor: the raw
 * libsodium floor, measured inside the benchmark JVM so that it shares the fork, the time slot
 * and the CPU with the netseal rows it is paired with. Never shipped: CMake builds it only on
 * request (target netseal_bench_jni, excluded from "all"), and bench/run.sh loads it by path.
 *
 * sealBatch is the floor: one JNI call runs n seals in a C loop, so the crossing costs 1/n of a
 * call per seal. sealOne and noop have the shipped seal entry's arguments, one call per seal:
 * sealOne is "crossing + AEAD", noop is the crossing alone (the stage rows of StagesBench).
 * x25519Floor is the handshake pairs' floor: the X25519 work of one NKpsk0 side, in C.
 *
 * Addresses come from direct buffers the Java side allocated and sized (SodiumFloor checks
 * them); as in the shipped shim, the C side trusts them.
 */
#include <jni.h>
#include <stdint.h>

#include "netseal_aead.h"

#define FLOOR_FN(name) Java_dev_netseal_bench_SodiumFloor_##name
#define FLOOR_PTR(addr) ((unsigned char *)(uintptr_t)(addr))
#define FLOOR_KEY(handle) ((netseal_key_handle)(handle))

JNIEXPORT jint JNICALL FLOOR_FN(init)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return netseal_init();
}

JNIEXPORT jstring JNICALL FLOOR_FN(sodiumVersion)(JNIEnv *env, jclass cls)
{
    (void)cls;
    return (*env)->NewStringUTF(env, sodium_version_string());
}

JNIEXPORT jlong JNICALL FLOOR_FN(address)(JNIEnv *env, jclass cls, jobject buf)
{
    (void)cls;
    return (jlong)(uintptr_t)(*env)->GetDirectBufferAddress(env, buf);
}

/* The key in the shipped library's key memory (a slot of a guarded, locked slab): its handle. */
JNIEXPORT jlong JNICALL FLOOR_FN(keyCreate)(JNIEnv *env, jclass cls, jbyteArray key)
{
    unsigned char src[NETSEAL_KEY_BYTES];
    netseal_key_handle k;

    (void)cls;
    if (key == NULL || (*env)->GetArrayLength(env, key) != (jsize)NETSEAL_KEY_BYTES)
        return 0;
    (*env)->GetByteArrayRegion(env, key, 0, (jsize)NETSEAL_KEY_BYTES, (jbyte *)src);
    if ((*env)->ExceptionCheck(env))
        return 0;
    k = netseal_key_create(src);
    sodium_memzero(src, sizeof src);
    return (jlong)k;
}

JNIEXPORT void JNICALL FLOOR_FN(keyFree)(JNIEnv *env, jclass cls, jlong key)
{
    (void)env;
    (void)cls;
    (void)netseal_key_free(FLOOR_KEY(key));
}

/*
 * n seals of msg[0, msgLen) in place with counters counter .. counter + n - 1, the tag right
 * after the message. Returns bits of every tag (and any failure), so nothing can be skipped.
 * The key handle is looked up once, before the loop: the floor is the AEAD alone.
 */
JNIEXPORT jint JNICALL FLOOR_FN(sealBatch)(JNIEnv *env, jclass cls, jlong key, jint noncePrefix,
                                           jlong counter, jlong aad, jint aadLen, jlong msg,
                                           jint msgLen, jint n)
{
    unsigned char nonce[NETSEAL_NONCE_BYTES];
    unsigned char *m = FLOOR_PTR(msg);
    const unsigned char *k = netseal_key_bytes(FLOOR_KEY(key));
    unsigned acc = 0;

    (void)env;
    (void)cls;
    if (k == NULL || aadLen < 0 || msgLen < 0)
        return -1;
    for (jint i = 0; i < n; i++) {
        netseal_nonce(nonce, (uint32_t)noncePrefix, (uint64_t)counter + (uint64_t)i);
        acc += (unsigned)crypto_aead_chacha20poly1305_ietf_encrypt_detached(
            m, m + msgLen, NULL, m, (unsigned long long)msgLen, FLOOR_PTR(aad),
            (unsigned long long)aadLen, NULL, nonce, k);
        acc ^= m[msgLen];
    }
    return (jint)acc;
}

/*
 * One seal per call, with the shipped seal entry's arguments and its key lookup: crossing +
 * AEAD.
 */
JNIEXPORT jint JNICALL FLOOR_FN(sealOne)(JNIEnv *env, jclass cls, jlong key, jint noncePrefix,
                                         jlong counter, jlong aad, jint aadLen, jlong msg,
                                         jint msgLen)
{
    const unsigned char *k = netseal_key_bytes(FLOOR_KEY(key));

    (void)env;
    (void)cls;
    if (k == NULL || aadLen < 0 || msgLen < 0)
        return -1;
    return netseal_seal(k, (uint32_t)noncePrefix, (uint64_t)counter,
                        FLOOR_PTR(aad), (size_t)aadLen, FLOOR_PTR(msg), (size_t)msgLen,
                        FLOOR_PTR(msg) + msgLen);
}

/* The same arguments, no work: the JNI crossing alone. */
JNIEXPORT jint JNICALL FLOOR_FN(noop)(JNIEnv *env, jclass cls, jlong key, jint noncePrefix,
                                      jlong counter, jlong aad, jint aadLen, jlong msg,
                                      jint msgLen)
{
    (void)env;
    (void)cls;
    (void)noncePrefix;
    (void)counter;
    (void)aad;
    (void)msg;
    return key == 0 || aadLen < 0 || msgLen < 0 ? -1 : 0;
}

/*
 * The X25519 work of one side of an NKpsk0 handshake, n times: X25519(e, 9) for its ephemeral's
 * public key and two X25519(scalar, peer) (the responder's es with its static key and ee; the
 * initiator's es and ee, both with its ephemeral). The scalars and the peer's point are copied
 * in once per call; the ephemeral changes each time round (from the last result), so no two
 * iterations are the same work. Nothing else: no key memory, no random ephemeral, no hashing.
 * Returns bits of every result, or -1 when an argument is wrong or a result is all zero.
 */
JNIEXPORT jint JNICALL FLOOR_FN(x25519Floor)(JNIEnv *env, jclass cls, jbyteArray staticPrivate,
                                             jbyteArray ephemeralPrivate, jbyteArray peerPublic,
                                             jint n)
{
    unsigned char s[crypto_scalarmult_curve25519_SCALARBYTES];
    unsigned char e[crypto_scalarmult_curve25519_SCALARBYTES];
    unsigned char peer[crypto_scalarmult_curve25519_BYTES];
    unsigned char out[crypto_scalarmult_curve25519_BYTES];
    unsigned acc = 0;

    (void)cls;
    if (staticPrivate == NULL || ephemeralPrivate == NULL || peerPublic == NULL ||
        (*env)->GetArrayLength(env, staticPrivate) != (jsize)sizeof s ||
        (*env)->GetArrayLength(env, ephemeralPrivate) != (jsize)sizeof e ||
        (*env)->GetArrayLength(env, peerPublic) != (jsize)sizeof peer)
        return -1;
    (*env)->GetByteArrayRegion(env, staticPrivate, 0, (jsize)sizeof s, (jbyte *)s);
    (*env)->GetByteArrayRegion(env, ephemeralPrivate, 0, (jsize)sizeof e, (jbyte *)e);
    (*env)->GetByteArrayRegion(env, peerPublic, 0, (jsize)sizeof peer, (jbyte *)peer);
    for (jint i = 0; i < n; i++) {
        if (crypto_scalarmult_curve25519_base(out, e) != 0)
            return -1;
        acc += out[0];
        if (crypto_scalarmult_curve25519(out, s, peer) != 0)
            return -1;
        acc += out[1];
        if (crypto_scalarmult_curve25519(out, e, peer) != 0)
            return -1;
        acc += out[2];
        e[0] ^= out[3];
    }
    sodium_memzero(s, sizeof s);
    sodium_memzero(e, sizeof e);
    return (jint)(acc & 0x7fffffff);
}
