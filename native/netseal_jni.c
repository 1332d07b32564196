/*
 * JNI glue for dev.netseal.internal.aead.NativeSodium.
 *
 * Entry points are bound by their mangled names (no RegisterNatives), so the
 * names below must track the Java class exactly. Everything else in this
 * library is hidden (-fvisibility=hidden plus --exclude-libs for libsodium).
 *
 * seal/open take only primitives and make no JNIEnv calls: buffers are
 * off-heap addresses that the Java side has already validated, so the call
 * costs one native transition and no pinning or copying.
 *
 * Keys are handles (netseal_aead.h), never addresses: every entry point that
 * takes one looks it up first, and a handle that is not a live key (freed,
 * even if its slot now holds another key; or never made) is an error return,
 * NS_NOT_LIVE for the per-packet calls and -1 for the others.
 */
#include <jni.h>
#include <stdint.h>

#include "netseal_aead.h"

#define NS_FN(name) Java_dev_netseal_internal_aead_NativeSodium_##name

/* Java passes raw addresses as long. */
#define NS_PTR(addr) ((unsigned char *)(uintptr_t)(addr))

/* Java passes key handles as long. */
#define NS_KEY(handle) ((netseal_key_handle)(handle))

/*
 * The per-packet entries: everything they call that the compiler can see
 * (the key check, with link-time optimisation; the AEAD layer's inline
 * wrappers) is inlined into them, so a seal is one JNI hop, a few loads and
 * libsodium.
 */
#if defined(__GNUC__)
#define NS_PER_PACKET __attribute__((flatten))
#else
#define NS_PER_PACKET
#endif

/* seal, sealTo and open: the key handle is not a live key. */
#define NS_NOT_LIVE (-2)

JNIEXPORT jint JNICALL NS_FN(init)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return netseal_init();
}

JNIEXPORT jstring JNICALL NS_FN(sodiumVersion)(JNIEnv *env, jclass cls)
{
    (void)cls;
    /* libsodium's version string is plain ASCII, so modified UTF-8 is fine. */
    return (*env)->NewStringUTF(env, sodium_version_string());
}

/*
 * The key is copied out of the Java array with GetByteArrayRegion into a
 * stack buffer, and that copy is wiped once the slot holds the key. No JNI
 * critical region: netseal_key_create() takes the key lock and, on a new
 * slab, calls sodium_malloc (mmap), mlock and mprotect, and a critical region
 * held across those would stall every thread's garbage collection (the
 * GCLocker) behind a lock and system calls.
 */
JNIEXPORT jlong JNICALL NS_FN(keyCreate)(JNIEnv *env, jclass cls,
                                         jbyteArray key)
{
    unsigned char src[NETSEAL_KEY_BYTES];
    netseal_key_handle k = 0;

    (void)cls;
    if (key == NULL ||
        (*env)->GetArrayLength(env, key) != (jsize)NETSEAL_KEY_BYTES)
        return 0;
    (*env)->GetByteArrayRegion(env, key, 0, (jsize)sizeof src, (jbyte *)src);
    if (!(*env)->ExceptionCheck(env))
        k = netseal_key_create(src);
    sodium_memzero(src, sizeof src);
    return (jlong)k;
}

JNIEXPORT jint JNICALL NS_FN(keyFree)(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return netseal_key_free(NS_KEY(handle));
}

/*
 * The tag sits right after the message (the Java side's contract, checked
 * there with the message's range), so it is not an argument: one fewer value
 * for the per-packet call to marshal.
 *
 * The key lookup is the one check here that Java cannot make: whether the
 * handle still names a live key (NS_NOT_LIVE if not). The negative-length
 * checks duplicate Java's validation on purpose: they cost a couple of
 * predicted branches and turn a caller bug into an error return instead of
 * a JVM crash.
 */
NS_PER_PACKET JNIEXPORT jint JNICALL NS_FN(seal)(JNIEnv *env, jclass cls, jlong keyHandle,
                                   jint noncePrefix, jlong counter,
                                   jlong aadAddr, jint aadLen, jlong msgAddr,
                                   jint msgLen)
{
    const unsigned char *k = netseal_key_bytes(NS_KEY(keyHandle));

    (void)env;
    (void)cls;
    if (k == NULL)
        return NS_NOT_LIVE;
    if (aadLen < 0 || msgLen < 0)
        return -1;
    return netseal_seal(k, (uint32_t)noncePrefix,
                        (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                        NS_PTR(msgAddr), (size_t)msgLen,
                        NS_PTR(msgAddr) + msgLen);
}

/* seal from msg into out (the tag right after the ciphertext in out). */
NS_PER_PACKET JNIEXPORT jint JNICALL NS_FN(sealTo)(JNIEnv *env, jclass cls, jlong keyHandle,
                                     jint noncePrefix, jlong counter,
                                     jlong aadAddr, jint aadLen, jlong msgAddr,
                                     jint msgLen, jlong outAddr)
{
    const unsigned char *k = netseal_key_bytes(NS_KEY(keyHandle));

    (void)env;
    (void)cls;
    if (k == NULL)
        return NS_NOT_LIVE;
    if (aadLen < 0 || msgLen < 0 || outAddr == 0)
        return -1;
    return netseal_seal_to(k, (uint32_t)noncePrefix,
                           (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                           NS_PTR(msgAddr), (size_t)msgLen, NS_PTR(outAddr),
                           NS_PTR(outAddr) + msgLen);
}

/*
 * Seals a batch of packets that lie in one direct buffer, under one key, with
 * consecutive counters from firstCounter: the packets from .. from+count-1 of
 * the two arrays; packet i's header starts at bases[i], its associated data is header bytes 12..68 (written in place by
 * the Java side), its message payloadLens[i] bytes from header byte 68, its
 * tag right after; once sealed, its nonce goes over header bytes 12..24.
 * One JNI crossing for the whole batch: the fixed cost of a packet is then a
 * loop step, not a native transition.
 *
 * The Java side has checked every range against the buffer's capacity and
 * draws the counters; the two arrays are copied here (GetIntArrayRegion, no
 * critical region), so nothing the application can touch decides where we
 * write, and the ranges are checked again against the capacity the JVM
 * reports. Returns 0; NS_NOT_LIVE for a key that is not live (nothing
 * sealed); -1 for a bad argument (nothing sealed); or -(3 + i) when libsodium
 * refused packet i (the packets before it are sealed).
 */
#define NS_BATCH_MAX 256
#define NS_HEADER 68
#define NS_AAD_AT 12
#define NS_AAD_LEN 56
#define NS_TAG 16

static void ns_put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void ns_put_le64(unsigned char *p, uint64_t v)
{
    ns_put_le32(p, (uint32_t)v);
    ns_put_le32(p + 4, (uint32_t)(v >> 32));
}

NS_PER_PACKET JNIEXPORT jint JNICALL NS_FN(sealBatch)(JNIEnv *env, jclass cls, jlong keyHandle,
                                        jint noncePrefix, jlong firstCounter,
                                        jobject buffer, jintArray bases,
                                        jintArray payloadLens, jint from,
                                        jint count)
{
    jint base[NS_BATCH_MAX];
    jint len[NS_BATCH_MAX];
    unsigned char *buf;
    jlong capacity;
    const unsigned char *k;
    jint i;

    (void)cls;
    if (count < 0 || count > NS_BATCH_MAX || from < 0 || bases == NULL
        || payloadLens == NULL
        || (*env)->GetArrayLength(env, bases) - count < from
        || (*env)->GetArrayLength(env, payloadLens) - count < from)
        return -1;
    buf = (unsigned char *)(*env)->GetDirectBufferAddress(env, buffer);
    capacity = (*env)->GetDirectBufferCapacity(env, buffer);
    if (buf == NULL || capacity < 0)
        return -1;
    (*env)->GetIntArrayRegion(env, bases, from, count, base);
    (*env)->GetIntArrayRegion(env, payloadLens, from, count, len);
    for (i = 0; i < count; i++) {
        if (base[i] < 0 || len[i] < 0
            || (jlong)base[i] + NS_HEADER + (jlong)len[i] + NS_TAG > capacity)
            return -1;
    }
    k = netseal_key_bytes(NS_KEY(keyHandle));
    if (k == NULL)
        return NS_NOT_LIVE;
    for (i = 0; i < count; i++) {
        unsigned char *p = buf + base[i];
        uint64_t counter = (uint64_t)firstCounter + (uint64_t)i;

        if (netseal_seal(k, (uint32_t)noncePrefix, counter, p + NS_AAD_AT,
                         NS_AAD_LEN, p + NS_HEADER, (size_t)len[i],
                         p + NS_HEADER + len[i]) != 0)
            return -(3 + i);
        ns_put_le32(p + NS_AAD_AT, (uint32_t)noncePrefix);
        ns_put_le64(p + NS_AAD_AT + 4, counter);
    }
    return 0;
}

NS_PER_PACKET JNIEXPORT jint JNICALL NS_FN(open)(JNIEnv *env, jclass cls, jlong keyHandle,
                                   jint noncePrefix, jlong counter,
                                   jlong aadAddr, jint aadLen, jlong msgAddr,
                                   jint msgLen)
{
    const unsigned char *k = netseal_key_bytes(NS_KEY(keyHandle));

    (void)env;
    (void)cls;
    if (k == NULL)
        return NS_NOT_LIVE;
    if (aadLen < 0 || msgLen < 0)
        return -1;
    return netseal_open(k, (uint32_t)noncePrefix,
                        (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                        NS_PTR(msgAddr), (size_t)msgLen,
                        NS_PTR(msgAddr) + msgLen);
}

/* The address of a direct buffer; 0 for a heap buffer or null. */
JNIEXPORT jlong JNICALL NS_FN(bufferAddress)(JNIEnv *env, jclass cls, jobject buffer)
{
    (void)cls;
    if (buffer == NULL)
        return 0;
    return (jlong)(uintptr_t)(*env)->GetDirectBufferAddress(env, buffer);
}

JNIEXPORT jint JNICALL NS_FN(keyCount)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jint)netseal_key_count();
}

JNIEXPORT jlong JNICALL NS_FN(keySlabs)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jlong)netseal_key_slabs();
}

JNIEXPORT jlong JNICALL NS_FN(keyUnlockedSlabs)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jlong)netseal_key_unlocked_slabs();
}

JNIEXPORT jlong JNICALL NS_FN(keySetMaxSlabs)(JNIEnv *env, jclass cls,
                                              jlong maxSlabs)
{
    (void)env;
    (void)cls;
    return (jlong)netseal_key_set_max_slabs((long)maxSlabs);
}

/*
 * X25519 for the Noise handshake (cold calls: a few per handshake). The
 * private scalar is a key slot; each call copies it to the stack under the
 * key lock (a handle that is not a live key is an error return), works on the copy and wipes
 * it. Arrays are copied in and out with Get/SetByteArrayRegion: no critical
 * region, so nothing here can stall the collector. Java checks every length
 * first; the checks here turn a caller bug into -1 instead of a crash.
 */
#define NS_X25519_BYTES crypto_scalarmult_curve25519_BYTES

static int ns_array_is(JNIEnv *env, jbyteArray a, jsize length)
{
    return a != NULL && (*env)->GetArrayLength(env, a) == length;
}

JNIEXPORT jlong JNICALL NS_FN(keyGenerate)(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jlong)netseal_key_generate();
}

/* Copies a key slot's 32 bytes into out: 0, or -1 for a handle that is not live. */
JNIEXPORT jint JNICALL NS_FN(keyRead)(JNIEnv *env, jclass cls, jlong handle,
                                      jbyteArray out)
{
    unsigned char k[NETSEAL_KEY_BYTES];
    int rc;

    (void)cls;
    if (!ns_array_is(env, out, (jsize)NETSEAL_KEY_BYTES))
        return -1;
    rc = netseal_key_copy_out(NS_KEY(handle), k);
    if (rc == 0)
        (*env)->SetByteArrayRegion(env, out, 0, (jsize)sizeof k, (jbyte *)k);
    sodium_memzero(k, sizeof k);
    return rc;
}

/* publicOut = X25519(slot, 9): 0, or -1 for a handle that is not live. */
JNIEXPORT jint JNICALL NS_FN(x25519Public)(JNIEnv *env, jclass cls,
                                           jlong handle, jbyteArray publicOut)
{
    unsigned char k[NETSEAL_KEY_BYTES];
    unsigned char pub[NS_X25519_BYTES];
    int rc;

    (void)cls;
    if (!ns_array_is(env, publicOut, (jsize)NS_X25519_BYTES))
        return -1;
    rc = netseal_key_copy_out(NS_KEY(handle), k);
    if (rc == 0)
        rc = crypto_scalarmult_curve25519_base(pub, k) == 0 ? 0 : -1;
    sodium_memzero(k, sizeof k);
    if (rc == 0)
        (*env)->SetByteArrayRegion(env, publicOut, 0, (jsize)sizeof pub,
                                   (jbyte *)pub);
    return rc;
}

/*
 * sharedOut = X25519(slot, peerPublic): 0; -1 for a handle that is not live;
 * -2 when the result is all zero (a low-order peer point: libsodium refuses
 * it, and so does the handshake), sharedOut then untouched.
 */
JNIEXPORT jint JNICALL NS_FN(x25519)(JNIEnv *env, jclass cls, jlong handle,
                                     jbyteArray peerPublic, jbyteArray sharedOut)
{
    unsigned char k[NETSEAL_KEY_BYTES];
    unsigned char peer[NS_X25519_BYTES];
    unsigned char shared[NS_X25519_BYTES];
    int rc;

    (void)cls;
    if (!ns_array_is(env, peerPublic, (jsize)NS_X25519_BYTES) ||
        !ns_array_is(env, sharedOut, (jsize)NS_X25519_BYTES))
        return -1;
    (*env)->GetByteArrayRegion(env, peerPublic, 0, (jsize)sizeof peer,
                               (jbyte *)peer);
    rc = netseal_key_copy_out(NS_KEY(handle), k);
    if (rc == 0)
        rc = crypto_scalarmult_curve25519(shared, k, peer) == 0 ? 0 : -2;
    sodium_memzero(k, sizeof k);
    if (rc == 0)
        (*env)->SetByteArrayRegion(env, sharedOut, 0, (jsize)sizeof shared,
                                   (jbyte *)shared);
    sodium_memzero(shared, sizeof shared);
    return rc;
}
