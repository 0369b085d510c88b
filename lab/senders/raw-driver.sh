#!/bin/bash
# The raw sender: SMTP up to the server's 220 to STARTTLS over bash's /dev/tcp, then one misbehaviour
# ($TLSLAB_ACTION); with TLSLAB_IMPLICIT=1, the misbehaviour at once, where a wrapper-mode server awaits a
# ClientHello. Prints the dialogue as `C:`/`S:` lines, bytes that are not printable as dots, and
# `S: <closed>` when the server hangs up.
set -u
exec {sock}<>"/dev/tcp/$TLSLAB_SERVER/${TLSLAB_PORT:-25}" || exit 2
echo "CONNECTED"
reply() { local line; while IFS= read -r -t "$TLSLAB_TIMEOUT" line <&"$sock"; do line=${line%$'\r'}; echo "S: $line"; case "$line" in [0-9][0-9][0-9]-*) ;; [0-9][0-9][0-9]*) code=${line:0:3}; return 0;; esac; done; return 1; }
send() { echo "C: $1"; printf '%s\r\n' "$1" >&"$sock"; }
drain() {
  local line='' status=0
  while :; do
    IFS= read -r -t "$TLSLAB_TIMEOUT" line <&"$sock"; status=$?
    [ "$status" -eq 0 ] || break
    line=${line%$'\r'}; echo "S: ${line//[^[:print:]]/.}"
  done
  if [ "$status" -gt 128 ]; then echo "S: <no answer in $TLSLAB_TIMEOUT s>"; return; fi
  [ -z "$line" ] || echo "S: ${line//[^[:print:]]/.}"
  echo "S: <closed>"
}
if [ "${TLSLAB_IMPLICIT:-0}" != 1 ]; then
  reply || exit 3
  send "EHLO $TLSLAB_HELO"; reply || exit 3
  send STARTTLS; reply || exit 3
  [ "$code" = 220 ] || { send QUIT; reply; exit 4; }
fi
case "$TLSLAB_ACTION" in
  plaintext-smtp) send "EHLO $TLSLAB_HELO";;
  http-request) echo "C: GET / HTTP/1.0"; printf 'GET / HTTP/1.0\r\n\r\n' >&"$sock";;
  sslv2-hello) echo "C: <SSLv2 CLIENT-HELLO, version 0x0002, RC4-MD5>"
    printf '\x80\x1c\x01\x00\x02\x00\x03\x00\x00\x00\x10\x01\x00\x80\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10' >&"$sock";;
  close) echo "C: <close>"; exec {sock}>&-; exit 0;;
  stall) echo "C: <nothing>";;
  truncated-hello) echo "C: <first 11 bytes of a 512-byte TLS ClientHello, then close>"
    printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' >&"$sock"; exec {sock}>&-; exit 0;;
  unexpected-message) echo "C: <TLS handshake record holding a Finished message where the ClientHello belongs>"
    printf '\x16\x03\x01\x00\x04\x14\x00\x00\x00' >&"$sock";;
  oversized-record) echo "C: <TLS record header announcing 65535 bytes, over the 16 KB a record may carry>"
    printf '\x16\x03\x01\xff\xff\x01\x00\xff\xfb\x03\x03' >&"$sock";;
  malformed-hello) echo "C: <ClientHello of 2 bytes: the version alone, without random, session id or suites>"
    printf '\x16\x03\x01\x00\x06\x01\x00\x00\x02\x03\x03' >&"$sock";;
esac
drain
