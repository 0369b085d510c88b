#!/bin/sh
# Turns Debian's openssl configure arguments (debian/rules, CONFARGS) into a legacy-capable build:
# SSLv3 and its method, and the weak suites (RC4, 3DES, ...) compiled in. Fails loudly when the
# rules file no longer has the shape this expects, instead of silently building a stock library.
set -eu
rules="$1"
grep -Eq '^CONFARGS[[:space:]]*[:?]?=' "$rules" || { echo "no CONFARGS line in $rules" >&2; exit 1; }
sed -i -E \
  -e 's/[[:space:]]no-ssl3-method\b//g' \
  -e 's/[[:space:]]no-ssl3\b//g' \
  -e 's/[[:space:]]no-weak-ssl-ciphers\b//g' \
  -e '0,/^CONFARGS[[:space:]]*[:?]?=/s//& enable-ssl3 enable-ssl3-method enable-weak-ssl-ciphers/' \
  "$rules"
grep -E '^CONFARGS' "$rules" >&2
if grep -Eq 'no-ssl3|no-weak-ssl-ciphers' "$rules"; then echo "legacy features still disabled in $rules" >&2; exit 1; fi
