#!/bin/bash
# Runs Debian's Exim as a satellite that sends everything to one smarthost ($TLSLAB_RELAY), with
# Debian's own TLS behaviour (STARTTLS when offered, GnuTLS), and writes its main log to the output.
set -euo pipefail
relay="${TLSLAB_RELAY:?TLSLAB_RELAY names the smarthost address}"
name="${TLSLAB_HOSTNAME:-$(hostname)}"
source /usr/local/lib/tlslab/exim-common.sh
write_exim_config "dc_eximconfig_configtype='satellite'
dc_other_hostnames=''
dc_local_interfaces='127.0.0.1'
dc_readhost='${name#*.}'
dc_smarthost='${relay}::25'
dc_hide_mailname='true'"
echo "$name" > /etc/mailname
# Retry a deferred message every two seconds, not after Debian's 15 minutes, so a scenario stays short.
sed -i 's/^\*[[:space:]]\+\*[[:space:]]\+F,2h,15m; G,16h,1h,1.5; F,4d,6h$/*  *  F,10m,2s/' /etc/exim4/exim4.conf.template
run_exim
