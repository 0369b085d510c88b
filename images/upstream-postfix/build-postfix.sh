#!/bin/sh
# Builds Postfix 2.x on current Debian with the fixes building-old-releases.md verified:
#  - makedefs knows Linux only as "Linux.2*": `uname -r` answers 2.6.32 while the makefiles are made;
#  - gcc >= 10 defaults to -fno-common: -fcommon;
#  - glibc >= 2.34 declares void closefrom(int): -DHAS_CLOSEFROM;
#  - Berkeley DB 5.3 fails the version test in dict_db.c: the DB 4.1+ path also takes majors above 4;
#  - NIS is compiled in: libnsl (-lnsl), and TLS: -DUSE_TLS, the OpenSSL include dir, libs and rpath.
set -eux
version="$1"
openssl="$2"
cd /usr/src
tar xzf "postfix-${version}.tar.gz"
cd "postfix-${version}"

sed -i -E 's/\(DB_VERSION_MAJOR == 4 && DB_VERSION_MINOR > 0\)/(DB_VERSION_MAJOR > 4 || (DB_VERSION_MAJOR == 4 \&\& DB_VERSION_MINOR > 0))/g' src/util/dict_db.c
# The substitution itself, not a test that later releases already carry.
grep -qF '(DB_VERSION_MAJOR > 4 || (DB_VERSION_MAJOR == 4 && DB_VERSION_MINOR > 0))' src/util/dict_db.c

mkdir -p /usr/src/fake-uname
cat > /usr/src/fake-uname/uname <<'UNAME'
#!/bin/sh
case "${1:-}" in
  -r) echo 2.6.32 ;;
  *) exec /bin/uname "$@" ;;
esac
UNAME
chmod 0755 /usr/src/fake-uname/uname
PATH="/usr/src/fake-uname:$PATH" make makefiles \
  CCARGS="-fcommon -DHAS_CLOSEFROM -DUSE_TLS -I${openssl}/include" \
  AUXLIBS="-L${openssl}/lib -Wl,-rpath,${openssl}/lib -lssl -lcrypto -ldb -lnsl"
make

groupadd -r postfix
groupadd -r postdrop
useradd -r -g postfix -d /var/spool/postfix -s /usr/sbin/nologin postfix
sh postfix-install -non-interactive
cd /
rm -rf "/usr/src/postfix-${version}" "/usr/src/postfix-${version}.tar.gz" /usr/src/fake-uname /usr/src/build-postfix.sh
# Fails the build unless smtpd is this release, linked against the parent's OpenSSL.
postconf -dh mail_version | grep -Fx "$version"
ldd "$(postconf -dh daemon_directory)/smtpd" | grep -F "${openssl}/lib/libssl.so"
