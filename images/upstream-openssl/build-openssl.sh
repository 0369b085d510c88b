#!/bin/sh
# Builds one OpenSSL release (1.0.x as building-old-releases.md found it to work on current Debian,
# and later ones the same way): shared, an rpath to its own lib, `make depend`, a single make job
# (1.0.x makefiles are not parallel-safe), and install_sw (the `install` target trips over current
# Perl's pod2man). 1.1.0 and later install their openssl.cnf only with install_ssldirs.
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
if grep -q '^install_ssldirs:' Makefile; then make install_ssldirs; fi
# The library's default verify paths lead to the system's CA store, where the lab adds its own CA,
# as a distribution's OpenSSL does.
rm -rf "$prefix/ssl/certs" "$prefix/ssl/cert.pem"
ln -s /etc/ssl/certs "$prefix/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$prefix/ssl/cert.pem"
# The wrapper drops -no_tls1_3 only for a release that does not know it.
if "$prefix/bin/openssl" s_client -help 2>&1 | grep -qE '^ *-no_tls1_3( |$)'; then strip=no; else strip=yes; fi
sed -e "s|@OPENSSL@|$prefix/bin/openssl|" -e "s|@STRIP_NO_TLS13@|$strip|" /usr/src/openssl-command.sh > /usr/local/bin/openssl
chmod 0755 /usr/local/bin/openssl
cd /
rm -rf "/usr/src/openssl-${version}" "/usr/src/openssl-${version}.tar.gz" /usr/src/build-openssl.sh /usr/src/openssl-command.sh
# Fails the build unless the command on PATH runs this very library, reaches the system CA store
# through its default paths, and can make the receiver's certificate (`req` needs openssl.cnf).
/usr/local/bin/openssl version | grep -F "OpenSSL ${version} "
ldd "$prefix/bin/openssl" | grep -F "$prefix/lib/libssl.so"
root=/etc/ssl/certs/ISRG_Root_X1.pem
[ -e "$root" ] || root="$(ls /etc/ssl/certs/*.pem | head -n 1)"
/usr/local/bin/openssl verify "$root" | grep -F ': OK'
/usr/local/bin/openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=check -keyout /tmp/check-key.pem -out /tmp/check-cert.pem
rm -f /tmp/check-key.pem /tmp/check-cert.pem
