#!/bin/bash
# Runs Debian's Exim as a satellite that sends everything to one smarthost ($TLSLAB_RELAY), with
# Debian's own TLS behaviour (STARTTLS when offered, GnuTLS), and writes its main log to the output.
set -euo pipefail
relay="${TLSLAB_RELAY:?TLSLAB_RELAY names the smarthost address}"
name="${TLSLAB_HOSTNAME:-$(hostname)}"
cat > /etc/exim4/update-exim4.conf.conf <<CONF
dc_eximconfig_configtype='satellite'
dc_other_hostnames=''
dc_local_interfaces='127.0.0.1'
dc_readhost='${name#*.}'
dc_relay_domains=''
dc_minimaldns='true'
dc_relay_nets=''
dc_smarthost='${relay}::25'
CFILEMODE='644'
dc_use_split_config='false'
dc_hide_mailname='true'
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
CONF
echo "$name" > /etc/mailname
# Retry a deferred message every two seconds, not after Debian's 15 minutes, so a scenario stays short.
sed -i 's/^\*[[:space:]]\+\*[[:space:]]\+F,2h,15m; G,16h,1h,1.5; F,4d,6h$/*  *  F,10m,2s/' /etc/exim4/exim4.conf.template
update-exim4.conf
install -d -o Debian-exim -g adm /var/log/exim4
install -o Debian-exim -g adm -m 0640 /dev/null /var/log/exim4/mainlog
exim4 -bdf -q2s &
exec tail -F -n +1 /var/log/exim4/mainlog
