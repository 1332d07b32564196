#!/bin/sh
# Checks a built libnetseal.so from its dynamic symbol table (objdump -T):
#  - no symbol needs a GLIBC_ version newer than MAX (2.17: RHEL 7, and the first aarch64 glibc);
#  - it exports only the JNI entry points (Java_*, JNI_OnLoad/OnUnload).
# On failure it says which symbols are wrong and deletes the library, so that no jar ships it.
#   check-symbols.sh OBJDUMP LIBRARY [MAX]
set -eu
objdump=$1
lib=$2
max=${3:-2.17}
table=$("$objdump" -T "$lib")
failed=0

too_new=$(printf '%s\n' "$table" | awk -v max="$max" '
  function newer(v, m,   a, b, i, n) {
    n = split(v, a, "."); split(m, b, ".")
    for (i = 1; i <= 3; i++) { if ((a[i] + 0) > (b[i] + 0)) return 1; if ((a[i] + 0) < (b[i] + 0)) return 0 }
    return 0
  }
  {
    for (i = 1; i <= NF; i++) if ($i ~ /^\(?GLIBC_[0-9.]+\)?$/) {
      v = $i; gsub(/[()]/, "", v); sub(/^GLIBC_/, "", v)
      if (newer(v, max)) print "  " $NF " needs GLIBC_" v
    }
  }')
if [ -n "$too_new" ]; then
  echo "netseal: $lib needs a glibc newer than $max:" >&2
  printf '%s\n' "$too_new" >&2
  echo "  (route the symbol through an older one or a system call: native/netseal_glibc_compat.c)" >&2
  failed=1
fi

# Defined (section is not *UND*), global or weak, in .text: what the library exports.
exported=$(printf '%s\n' "$table" | awk '$0 ~ / DF / && $0 !~ /\*UND\*/ { print $NF }' |
  grep -v -E '^(Java_[A-Za-z0-9_]+|JNI_OnLoad|JNI_OnUnload)$' || true)
if [ -n "$exported" ]; then
  echo "netseal: $lib exports more than its JNI entry points:" >&2
  printf '  %s\n' $exported >&2
  failed=1
fi

if [ "$failed" -ne 0 ]; then
  rm -f "$lib"
  exit 1
fi
versions=$(printf '%s\n' "$table" | grep -o 'GLIBC_[0-9.]*' | sort -t. -k1,1 -k2,2n -k3,3n -u | tail -n 1)
echo "netseal: $(basename "$lib") ($(dirname "$lib" | xargs basename)): newest glibc symbol ${versions:-none} (at most GLIBC_$max), exports only JNI entry points"
