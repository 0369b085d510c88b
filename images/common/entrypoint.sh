#!/bin/bash
# The lab's container entrypoint, shared by every toolchain image.
#   receiver  configure Postfix from /lab/receiver and run it, logging to the container output
#   mta       the same, for a Postfix that sends mail (outbound sender or destination)
#   idle      stay up so the lab can exec clients (swaks, openssl s_client) inside
set -uo pipefail

role="${1:-idle}"
cfg=/lab/receiver

log() { echo "tlslab: $*" >&2; }

# Postfix waits until a table or main.cf it reads is at least a second old (it may be mid-write);
# files the entrypoint has just written are dated back so that startup does not pay that wait.
backdate() { touch -d "@$(( $(date +%s) - 10 ))" "$@"; }
set_params() { postconf -e "$@" && backdate /etc/postfix/main.cf; }

has_param() { postconf -d "$1" >/dev/null 2>&1 && [ -n "$(postconf -d "$1" 2>/dev/null)" ]; }

make_certificates() {
  local dir=/etc/postfix/tls types="${TLSLAB_CERT_TYPES:-rsa}" cn
  cn="$(postconf -h myhostname)"
  mkdir -p "$dir"
  if [ -s "$cfg/cert.pem" ] && [ -s "$cfg/key.pem" ]; then
    install -m 0644 "$cfg/cert.pem" "$dir/cert.pem"
    install -m 0600 "$cfg/key.pem" "$dir/key.pem"
    set_params "smtpd_tls_cert_file = $dir/cert.pem" "smtpd_tls_key_file = $dir/key.pem"
    return
  fi
  # The host name as a subjectAltName too, as Debian's snakeoil certificate has it (clients such as Go's read no
  # other), where this openssl can add one (1.1.1 and later).
  local san=()
  if openssl req -help 2>&1 | grep -q -- '-addext'; then san=(-addext "subjectAltName=DNS:$cn"); fi
  for type in $types; do
    case "$type" in
      rsa) openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$cn" "${san[@]}" \
             -keyout "$dir/rsa-key.pem" -out "$dir/rsa-cert.pem" 2>/dev/null ;;
      ecdsa) openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=$cn" "${san[@]}" \
             -keyout "$dir/ecdsa-key.pem" -out "$dir/ecdsa-cert.pem" 2>/dev/null ;;
      *) log "unknown certificate type $type"; exit 64 ;;
    esac || { log "cannot generate a $type certificate"; exit 70; }
  done
  case "$types" in
    *rsa*ecdsa*|*ecdsa*rsa*)
      set_params "smtpd_tls_cert_file = $dir/rsa-cert.pem" "smtpd_tls_key_file = $dir/rsa-key.pem" \
        "smtpd_tls_eccert_file = $dir/ecdsa-cert.pem" "smtpd_tls_eckey_file = $dir/ecdsa-key.pem" ;;
    *ecdsa*) set_params "smtpd_tls_cert_file = $dir/ecdsa-cert.pem" "smtpd_tls_key_file = $dir/ecdsa-key.pem" ;;
    *) set_params "smtpd_tls_cert_file = $dir/rsa-cert.pem" "smtpd_tls_key_file = $dir/rsa-key.pem" ;;
  esac
}

# master.cf entries replace the entry with the same service name and type, or are appended.
apply_master_entries() {
  [ -s "$cfg/master.cf" ] || return 0
  local master=/etc/postfix/master.cf line service type
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] || continue
    service="$(awk '{print $1}' <<<"$line")"
    type="$(awk '{print $2}' <<<"$line")"
    awk -v s="$service" -v t="$type" '
      /^[^ \t#]/ { skip = ($1 == s && $2 == t) }
      !skip' "$master" > "$master.new" && mv "$master.new" "$master"
    printf '%s\n' "$line" >> "$master"
  done < <(sed 's/\\n/\n/g' "$cfg/master.cf")
}

# Lookup tables from the scenario: copied to /etc/postfix, and indexed unless they are read as text.
install_maps() {
  [ -d "$cfg/maps" ] || return 0
  local map name
  for map in "$cfg/maps"/*; do
    [ -f "$map" ] || continue
    name="$(basename "$map")"
    install -m 0644 "$map" "/etc/postfix/$name"
    backdate "/etc/postfix/$name"
    case "$name" in
      *.cidr|*.pcre|*.regexp) ;;
      *) postmap "hash:/etc/postfix/$name" && backdate "/etc/postfix/$name.db" ;;
    esac
  done
}

configure_postfix() {
  local fqdn="${TLSLAB_HOSTNAME:-$(hostname)}"
  local main=/etc/postfix/main.cf
  [ -e "$main" ] || : > "$main"
  # Written before the first postconf call: without them postconf looks the host name up in DNS,
  # which costs a resolver timeout on the lab's internal network.
  sed -i '/^[[:space:]]*\(myhostname\|mydomain\)[[:space:]]*=/d' "$main"
  printf 'myhostname = %s\nmydomain = lab.test\n' "$fqdn" >> "$main"
  backdate "$main"
  set_params \
    "myorigin = \$myhostname" \
    "mydestination = \$myhostname, localhost" \
    "inet_interfaces = all" \
    "inet_protocols = ipv4" \
    "mynetworks = 127.0.0.0/8" \
    "alias_maps = hash:/etc/aliases" \
    "alias_database = hash:/etc/aliases" \
    "local_recipient_maps =" \
    "local_transport = discard:local" \
    "smtpd_tls_security_level = may" \
    "smtpd_tls_loglevel = 1" \
    "smtp_tls_security_level = may" \
    "smtp_tls_loglevel = 1" \
    "smtpd_banner = \$myhostname ESMTP tlslab" \
    "biff = no"
  if has_param compatibility_level; then
    local version
    version="$(postconf -dh mail_version)"
    case "$version" in
      3.[6-9]*|3.[1-9][0-9]*) set_params "compatibility_level = ${version%.*}" ;;
      *) set_params "compatibility_level = 2" ;;
    esac
  fi
  has_param maillog_file && set_params "maillog_file = /dev/stdout"
  make_certificates
  # The scenario's own parameters come last, so they win over every default above.
  if [ -s "$cfg/main.cf" ]; then
    local -a params=()
    while IFS= read -r line || [ -n "$line" ]; do
      [ -n "$line" ] && params+=("$line")
    done < "$cfg/main.cf"
    [ "${#params[@]}" -gt 0 ] && set_params "${params[@]}"
  fi
  apply_master_entries
  install_maps
  [ -e /etc/aliases ] || : > /etc/aliases
  backdate /etc/postfix/master.cf /etc/aliases
  newaliases
}

run_postfix() {
  if [ -n "$(postconf -h maillog_file 2>/dev/null)" ]; then
    exec postfix start-fg
  fi
  # No maillog_file (Postfix < 3.4, which also lacks start-fg): busybox syslogd writes the log to a
  # file that tail copies to the container output, and `postfix start` returns once master runs.
  local logfile=/var/log/tlslab-syslog
  : > "$logfile"
  rm -f /var/run/syslogd.pid /dev/log
  local -a rotation=()
  # Rotation would rename the file under tail; only builds with rotation know -s (0 = off).
  busybox syslogd --help 2>&1 | grep -qE '^[[:space:]]*-s ' && rotation=(-s 0)
  busybox syslogd -n "${rotation[@]}" -S -O "$logfile" &
  syslogd=$!
  tail -s 0.1 -n +1 -F --pid="$syslogd" "$logfile" 2>/dev/null &
  tailer=$!
  for _ in $(seq 1 100); do [ -S /dev/log ] && break; sleep 0.05; done
  [ -S /dev/log ] || { log "busybox syslogd did not create /dev/log"; exit 70; }
  # Nothing logged is lost at the end: a marker goes through syslog after master exits; once it is in
  # the file, every earlier line is too; tail's last read follows syslogd's exit.
  drain_log() {
    local marker="log complete ($$.$RANDOM)"
    busybox logger -t tlslab "$marker"
    for _ in $(seq 1 50); do grep -qF "$marker" "$logfile" && break; sleep 0.1; done
    kill "$syslogd" 2>/dev/null
    wait "$tailer" 2>/dev/null
  }
  stop() {
    trap - TERM INT
    postfix stop >/dev/null 2>&1
    for _ in $(seq 1 50); do pgrep -x master >/dev/null || break; sleep 0.1; done
    drain_log
    exit 0
  }
  trap stop TERM INT
  if ! postfix start; then
    log "postfix start failed"
    drain_log
    exit 70
  fi
  while pgrep -x master >/dev/null; do sleep 0.5 & wait $!; done
  log "postfix master exited"
  drain_log
  exit 1
}

# What this image really runs: Postfix's version, the TLS library its smtpd is linked against
# (which may differ from the openssl command's), the openssl command's own version, Net::SSLeay's,
# and what the openssl command's library can negotiate: the protocol methods compiled in (from
# s_client's options) and every cipher suite it knows at security level 0.
self_report() {
  local smtpd libssl libcrypto help protocols="" ciphers
  if command -v postconf >/dev/null 2>&1; then
    echo "mail_version=$(postconf -dh mail_version 2>/dev/null)"
    smtpd="$(postconf -dh daemon_directory 2>/dev/null)/smtpd"
    libssl="$(ldd "$smtpd" 2>/dev/null | awk '/libssl/ {print $3}')"
    libcrypto="$(ldd "$smtpd" 2>/dev/null | awk '/libcrypto/ {print $3}')"
    echo "smtpd_libssl=$libssl"
    [ -n "$libcrypto" ] && echo "smtpd_tls_version=$(grep -aoE -m1 '(OpenSSL|LibreSSL) [0-9][0-9a-z.]*(-fips)? +[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4}' "$libcrypto" | head -n1)"
  fi
  if command -v openssl >/dev/null 2>&1; then
    echo "openssl_command=$(openssl version 2>/dev/null)"
    help="$(openssl s_client -help 2>&1)"
    for p in ssl2:SSLv2 ssl3:SSLv3 tls1:TLSv1 tls1_1:TLSv1.1 tls1_2:TLSv1.2 tls1_3:TLSv1.3; do
      grep -qE "^ *-${p%%:*}( |$)" <<<"$help" && protocols="$protocols ${p#*:}"
    done
    echo "openssl_protocols=${protocols# }"
    # 1.0.x has no security levels and refuses the @SECLEVEL command.
    ciphers="$(openssl ciphers -v 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' 2>/dev/null || openssl ciphers -v 'ALL:COMPLEMENTOFALL' 2>/dev/null)"
    echo "openssl_cipher_count=$(grep -c . <<<"$ciphers")"
    echo "openssl_ciphers=$(awk '{print $1}' <<<"$ciphers" | paste -sd: -)"
  fi
  command -v swaks >/dev/null 2>&1 && echo "swaks_tls=$(perl -MNet::SSLeay -e 'print Net::SSLeay::SSLeay_version(0)' 2>/dev/null)"
  # Debian's Sendmail, by its package: its own -d0.1 would wait for DNS to qualify the host name.
  local sendmail
  sendmail="$(dpkg-query -W -f='${Version}' sendmail-bin 2>/dev/null)" && echo "sendmail_version=${sendmail%%-*}"
  if command -v exim4 >/dev/null 2>&1; then
    echo "exim_version=$(exim4 -bV 2>/dev/null | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')"
    echo "exim_tls=GnuTLS $(exim4 -d-all+tls -bV 2>&1 | sed -n '/GnuTLS: Compile/{n;s/^ *Runtime: *//p}' | head -n 1)"
  fi
  return 0
}

case "$role" in
  self-report) self_report ;;
  receiver|mta)
    configure_postfix
    run_postfix ;;
  idle) exec sleep infinity ;;
  *) exec "$@" ;;
esac
