# Cross-compiles libnetseal.so for linux-aarch64 on a Debian/Ubuntu x86-64 host:
#   apt-get install gcc-aarch64-linux-gnu
#   dpkg --add-architecture arm64 && apt-get update && apt-get install libsodium-dev:arm64
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=native/toolchain-linux-aarch64.cmake \
#         -DNETSEAL_NATIVE_OUTPUT_DIR=/abs/out   # -> /abs/out/linux-aarch64/libnetseal.so
# The JNI headers come from the host JDK: jni.h and Linux's jni_md.h are the same for both.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# libsodium for arm64 from Debian's multiarch package: the archive is per architecture, the
# headers are shared with the host's libsodium-dev.
set(NETSEAL_SODIUM_STATIC_LIBRARY /usr/lib/aarch64-linux-gnu/libsodium.a CACHE FILEPATH "")
set(NETSEAL_SODIUM_INCLUDE_DIR /usr/include CACHE PATH "")
# Never pick up the host's pkg-config answer for the wrong architecture.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig)
