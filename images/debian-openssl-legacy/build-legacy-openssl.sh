#!/bin/sh
# Builds Debian's openssl source tree (Debian's patches applied) the way debian/rules configures
# it, plus SSLv3, its method and the weak suites (RC4, 3DES, ...). Only the shared build, without
# the static copy and the unit-test programs that Debian also builds: the libraries, the engines
# and providers and the openssl command are installed into $2 with Debian's paths.
set -eu
src="$1"
out="$2"
cd "$src"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
confargs="$(sed -n -E 's/^CONFARGS[[:space:]]*[:?]?=[[:space:]]*//p' debian/rules | head -n 1)"
[ -n "$confargs" ] || { echo "no CONFARGS line in debian/rules" >&2; exit 1; }
confargs="$(printf '%s\n' "$confargs" | sed -E \
  -e "s/\\\$\\(DEB_HOST_MULTIARCH\\)/$multiarch/g" \
  -e 's/(^|[[:space:]])(no-ssl3-method|no-ssl3|no-weak-ssl-ciphers|enable-unit-test)([[:space:]]|$)/ /g')"
case "$confargs" in *'$('*) echo "unexpanded make variable in CONFARGS: $confargs" >&2; exit 1 ;; esac
[ "$(dpkg-architecture -qDEB_HOST_ARCH_BITS)" = 64 ] && confargs="$confargs enable-ec_nistp_64_gcc_128"
mkdir -p build
cd build
# shellcheck disable=SC2086
../Configure shared $confargs enable-ssl3 enable-ssl3-method enable-weak-ssl-ciphers "debian-$(dpkg --print-architecture)"
# OpenSSL 3 has build_sw; 1.1.1 names its parts, one after another (given together to a parallel
# make, they compile the same objects twice at once).
if grep -q '^build_sw:' Makefile; then
  make -j"$(nproc)" build_sw
else
  for part in build_libs build_engines build_programs; do make -j"$(nproc)" "$part"; done
fi
make DESTDIR="$out" install_sw
"$out/usr/bin/openssl" version -a >&2 || LD_LIBRARY_PATH="$out/usr/lib/$multiarch" "$out/usr/bin/openssl" version -a >&2
