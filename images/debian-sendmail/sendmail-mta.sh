#!/bin/bash
# Runs Debian's Sendmail as an MTA that sends everything to one smart host ($TLSLAB_RELAY, port $TLSLAB_RELAY_PORT),
# with Debian's own sendmail.mc otherwise: STARTTLS whenever offered, without a client certificate (Debian's
# starttls.m4 is not included by default). $TLSLAB_SENDMAIL_OPTIONS holds sendmail.cf options, one `Name=value`
# per line; $TLSLAB_ACCESS holds lines for the access map (Try_TLS:). The main log goes to the output.
set -euo pipefail
relay="${TLSLAB_RELAY:?TLSLAB_RELAY names the smart host address}"
port="${TLSLAB_RELAY_PORT:-25}"
name="${TLSLAB_HOSTNAME:-$(hostname)}"
cd /etc/mail
# The lab's network has no DNS beyond the containers' names, and the smart host is an address. Sendmail wants a
# fully qualified name of its own: from /etc/hosts alone, as a DNS query for its IPv6 address would wait for its
# timeout; and it qualifies no name through DNS.
grep -q "[[:space:]]$name\b" /etc/hosts || echo "$(hostname -i | cut -d' ' -f1) $name ${name%%.*}" >> /etc/hosts
sed -i 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf
sed -i "/^MAILER_DEFINITIONS/i define(\`SMART_HOST', \`[$relay]')dnl\ndefine(\`RELAY_MAILER_ARGS', \`TCP \$h $port')dnl\ndefine(\`ESMTP_MAILER_ARGS', \`TCP \$h $port')dnl\ndefine(\`confSERVICE_SWITCH_FILE', \`/etc/mail/service.switch-nodns')dnl\nFEATURE(\`nocanonify')dnl" sendmail.mc
m4 sendmail.mc > sendmail.cf
if [ -n "${TLSLAB_ACCESS:-}" ]; then
  printf '%s\n' "$TLSLAB_ACCESS" >> access
  makemap hash access < access
fi
# In sendmail.cf, not on the daemon's command line: the process that takes a message in delivers it first.
while IFS= read -r option; do
  [ -n "$option" ] && printf 'O %s\n' "$option" >> sendmail.cf
done <<< "${TLSLAB_SENDMAIL_OPTIONS:-}"
install -m 0640 /dev/null /var/log/mail.log
busybox syslogd -O /var/log/mail.log
# Retry deferred mail every two seconds, not after Debian's queue interval, so a scenario stays short.
sendmail -bd -q2s
exec tail -F -n +1 /var/log/mail.log
