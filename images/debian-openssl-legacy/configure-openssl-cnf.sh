#!/bin/sh
# Points the library's system configuration at the lab's own section, keeping Debian's file for
# everything else (openssl req). OpenSSL 3 gets the default and legacy providers (RC4, single DES,
# SEED, IDEA live in "legacy"); Debian's MinProtocol (bullseye) is dropped; the system default
# security level stays Debian's 2, so a scenario opts into legacy crypto with @SECLEVEL=0.
set -eu
cnf=/etc/ssl/openssl.cnf
# Read before the edit: while openssl_conf names a section not yet written, the command fails.
version="$(openssl version)"
if grep -Eq '^[[:space:]]*openssl_conf[[:space:]]*=' "$cnf"; then
  sed -i -E 's/^[[:space:]]*openssl_conf[[:space:]]*=.*/openssl_conf = tlslab_init/' "$cnf"
else
  sed -i '1i openssl_conf = tlslab_init' "$cnf"
fi
{
  echo
  echo '# tlslab: legacy-capable system defaults'
  echo '[tlslab_init]'
  echo 'ssl_conf = tlslab_ssl'
  case "$version" in
    "OpenSSL 3"*)
      echo 'providers = tlslab_providers'
      echo '[tlslab_providers]'
      echo 'default = tlslab_provider_active'
      echo 'legacy = tlslab_provider_active'
      echo '[tlslab_provider_active]'
      echo 'activate = 1'
      ;;
  esac
  echo '[tlslab_ssl]'
  echo 'system_default = tlslab_system_default'
  echo '[tlslab_system_default]'
  echo 'CipherString = DEFAULT:@SECLEVEL=2'
} >> "$cnf"
openssl version >/dev/null
