#!/bin/sh
# Builds one OpenSSL 1.0.x release as building-old-releases.md found it to work on current Debian:
# shared, an rpath to its own lib, `make depend`, a single make job (1.0.x makefiles are not
# parallel-safe), and install_sw (the `install` target trips over current Perl's pod2man).
set -eux
version="$1"
prefix="/opt/openssl-${version}"
cd /usr/src
tar xzf "openssl-${version}.tar.gz"
cd "openssl-${version}"
./config --prefix="$prefix" --openssldir="$prefix/ssl" shared "-Wl,-rpath,$prefix/lib"
make depend
make -j1
make install_sw
sed "s|@OPENSSL@|$prefix/bin/openssl|" /usr/src/openssl-command.sh > /usr/local/bin/openssl
chmod 0755 /usr/local/bin/openssl
cd /
rm -rf "/usr/src/openssl-${version}" "/usr/src/openssl-${version}.tar.gz" /usr/src/build-openssl.sh /usr/src/openssl-command.sh
# Fails the build unless the command on PATH runs this very library.
/usr/local/bin/openssl version | grep -F "OpenSSL ${version} "
ldd "$prefix/bin/openssl" | grep -F "$prefix/lib/libssl.so"
