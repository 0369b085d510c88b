#!/bin/bash
# Runs Debian's Exim as the mail server for its own name ($TLSLAB_HOSTNAME): it listens on port 25, offers
# STARTTLS with a self-signed certificate, accepts mail for any local part, and writes its main log to the
# output. $TLSLAB_GNUTLS_PRIORITY, when set, is its GnuTLS priority string (tls_require_ciphers), which can
# make it an old server: no RFC 5746 (%DISABLE_SAFE_RENEGOTIATION), TLS 1.0 only, given ciphers.
# TLSLAB_REQUIRE_CLIENT_CERTIFICATE=1 makes the handshake require a client certificate from a CA in the system
# bundle (tls_verify_hosts = *), as mutual-TLS gateways do.
set -euo pipefail
name="${TLSLAB_HOSTNAME:-$(hostname)}"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${name}" \
  -keyout /etc/exim4/exim.key -out /etc/exim4/exim.crt 2>/dev/null
chown root:Debian-exim /etc/exim4/exim.key /etc/exim4/exim.crt
chmod 640 /etc/exim4/exim.key
source /usr/local/lib/tlslab/exim-common.sh
write_exim_config "dc_eximconfig_configtype='internet'
dc_other_hostnames='${name}'
dc_local_interfaces='0.0.0.0'
dc_hide_mailname=''"
echo "$name" > /etc/mailname
{
  echo 'MAIN_TLS_ENABLE = yes'
  echo 'MAIN_TLS_CERTIFICATE = /etc/exim4/exim.crt'
  echo 'MAIN_TLS_PRIVATEKEY = /etc/exim4/exim.key'
  if [ -n "${TLSLAB_GNUTLS_PRIORITY:-}" ]; then echo "tls_require_ciphers = ${TLSLAB_GNUTLS_PRIORITY}"; fi
  if [ "${TLSLAB_REQUIRE_CLIENT_CERTIFICATE:-0}" = 1 ]; then
    echo 'MAIN_TLS_VERIFY_CERTIFICATES = /etc/ssl/certs/ca-certificates.crt'
    echo 'MAIN_TLS_VERIFY_HOSTS = *'
  fi
} > /etc/exim4/exim4.conf.localmacros
# Every local part ends in one mailbox, so any recipient the lab picks is accepted.
id sink >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin sink
echo '*: sink' >> /etc/aliases
sed -i 's|lsearch{/etc/aliases}|lsearch*{/etc/aliases}|' /etc/exim4/exim4.conf.template
run_exim
