#!/bin/sh
# The openssl command on PATH. The lab's s_client driver names every protocol it excludes, TLS 1.3
# included; OpenSSL 1.0.x has no TLS 1.3 and refuses the unknown -no_tls1_3 flag, although
# excluding a protocol the library lacks changes nothing. Every other argument passes unchanged.
if [ "${1:-}" = s_client ]; then
  for arg do
    shift
    [ "$arg" = -no_tls1_3 ] || set -- "$@" "$arg"
  done
fi
exec @OPENSSL@ "$@"
