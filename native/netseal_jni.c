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
 */
#include <jni.h>
#include <stdint.h>

#include "netseal_aead.h"

#define NS_FN(name) Java_dev_netseal_internal_aead_NativeSodium_##name

/* Java passes raw addresses as long. */
#define NS_PTR(addr) ((unsigned char *)(uintptr_t)(addr))

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

JNIEXPORT jlong JNICALL NS_FN(keyCreate)(JNIEnv *env, jclass cls,
                                         jbyteArray key)
{
    unsigned char *k;
    jbyte *src;

    (void)cls;
    if (key == NULL ||
        (*env)->GetArrayLength(env, key) != (jsize)NETSEAL_KEY_BYTES)
        return 0;
    /*
     * Copied straight from the Java array into the key slot, so no other
     * copy needs wiping; no JNI call is made while the array is held.
     */
    src = (*env)->GetPrimitiveArrayCritical(env, key, NULL);
    if (src == NULL)
        return 0;
    k = netseal_key_create((const unsigned char *)src);
    (*env)->ReleasePrimitiveArrayCritical(env, key, src, JNI_ABORT);
    return (jlong)(uintptr_t)k;
}

JNIEXPORT jint JNICALL NS_FN(keyFree)(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return netseal_key_free(NS_PTR(handle));
}

/*
 * The tag sits right after the message (the Java side's contract, checked
 * there with the message's range), so it is not an argument: one fewer value
 * for the per-packet call to marshal.
 *
 * The null-key and negative-length checks duplicate Java's validation on
 * purpose: they cost a couple of predicted branches and turn a caller bug
 * into an error return instead of a JVM crash.
 */
JNIEXPORT jint JNICALL NS_FN(seal)(JNIEnv *env, jclass cls, jlong keyHandle,
                                   jint noncePrefix, jlong counter,
                                   jlong aadAddr, jint aadLen, jlong msgAddr,
                                   jint msgLen)
{
    (void)env;
    (void)cls;
    if (keyHandle == 0 || aadLen < 0 || msgLen < 0)
        return -1;
    return netseal_seal(NS_PTR(keyHandle), (uint32_t)noncePrefix,
                        (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                        NS_PTR(msgAddr), (size_t)msgLen,
                        NS_PTR(msgAddr) + msgLen);
}

/* seal from msg into out (the tag right after the ciphertext in out). */
JNIEXPORT jint JNICALL NS_FN(sealTo)(JNIEnv *env, jclass cls, jlong keyHandle,
                                     jint noncePrefix, jlong counter,
                                     jlong aadAddr, jint aadLen, jlong msgAddr,
                                     jint msgLen, jlong outAddr)
{
    (void)env;
    (void)cls;
    if (keyHandle == 0 || aadLen < 0 || msgLen < 0 || outAddr == 0)
        return -1;
    return netseal_seal_to(NS_PTR(keyHandle), (uint32_t)noncePrefix,
                           (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                           NS_PTR(msgAddr), (size_t)msgLen, NS_PTR(outAddr),
                           NS_PTR(outAddr) + msgLen);
}

JNIEXPORT jint JNICALL NS_FN(open)(JNIEnv *env, jclass cls, jlong keyHandle,
                                   jint noncePrefix, jlong counter,
                                   jlong aadAddr, jint aadLen, jlong msgAddr,
                                   jint msgLen)
{
    (void)env;
    (void)cls;
    if (keyHandle == 0 || aadLen < 0 || msgLen < 0)
        return -1;
    return netseal_open(NS_PTR(keyHandle), (uint32_t)noncePrefix,
                        (uint64_t)counter, NS_PTR(aadAddr), (size_t)aadLen,
                        NS_PTR(msgAddr), (size_t)msgLen,
                        NS_PTR(msgAddr) + msgLen);
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
