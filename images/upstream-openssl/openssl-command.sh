#!/bin/sh
# The openssl command on PATH. The lab's s_client driver names every protocol it excludes, TLS 1.3
# included; a release without TLS 1.3 (1.0.x) refuses the unknown -no_tls1_3 flag, although
# excluding a protocol the library lacks changes nothing. The build decides whether to drop it.
# Every other argument passes unchanged.
if [ "${1:-}" = s_client ] && [ "@STRIP_NO_TLS13@" = yes ]; then
  for arg do
    shift
    [ "$arg" = -no_tls1_3 ] || set -- "$@" "$arg"
  done
fi
exec @OPENSSL@ "$@"
