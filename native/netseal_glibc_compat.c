/*
 * Keeps libnetseal.so loadable on glibc 2.17 (RHEL 7 and later, Debian 9+,
 * Ubuntu 14.04+, Amazon Linux 2; 2.17 is also the first glibc for aarch64).
 *
 * The libsodium.a we link in was compiled against a new glibc, and asks for
 * three symbols that old ones lack: fstat (a real function only since 2.33;
 * before, an inline over __fxstat), getrandom (2.25) and, from
 * _FORTIFY_SOURCE, __explicit_bzero_chk (2.25). Defining them here, hidden,
 * makes the static link resolve libsodium's references to these definitions
 * instead of to glibc's new symbol versions. Each goes straight to the
 * kernel (or does the job itself), which behaves the same on every glibc.
 *
 * The build checks the result: native/check-symbols.sh fails it if any
 * GLIBC_ version above 2.17 is still required.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define NS_HIDDEN __attribute__((visibility("hidden")))

/* libsodium's randombytes uses fstat only to check that /dev/urandom is a
 * character device. The kernel's struct stat is glibc's on x86-64 and
 * aarch64, so the raw system call fills it the same way. */
NS_HIDDEN int fstat(int fd, struct stat *buf)
{
    return (int)syscall(SYS_fstat, fd, buf);
}

/* getrandom(2) exists since Linux 3.17; on an older kernel the call fails
 * with ENOSYS and libsodium falls back to /dev/urandom, as it would on a
 * glibc without the wrapper. */
NS_HIDDEN ssize_t getrandom(void *buffer, size_t length, unsigned int flags);
NS_HIDDEN ssize_t getrandom(void *buffer, size_t length, unsigned int flags)
{
    return (ssize_t)syscall(SYS_getrandom, buffer, length, flags);
}

/* What _FORTIFY_SOURCE turns explicit_bzero into: the same zeroing, with the
 * buffer-size check, and a barrier so the compiler cannot drop the stores
 * (the point of explicit_bzero: sodium_memzero wipes keys with it). */
NS_HIDDEN void __explicit_bzero_chk(void *dst, size_t len, size_t dstlen);
NS_HIDDEN void __explicit_bzero_chk(void *dst, size_t len, size_t dstlen)
{
    if (dstlen < len) {
        abort();
    }
    memset(dst, 0, len);
    __asm__ __volatile__("" : : "r"(dst) : "memory");
}
