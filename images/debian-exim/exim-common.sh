# Shared by exim-mta and exim-server: Debian's exim4 configuration, and a daemon whose main log is the output.

# Writes update-exim4.conf.conf: the role's own settings ($1, one per line), then those both roles share.
write_exim_config() {
  {
    printf '%s\n' "$1"
    cat <<'CONF'
dc_relay_domains=''
dc_minimaldns='true'
dc_relay_nets=''
CFILEMODE='644'
dc_use_split_config='false'
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
CONF
  } > /etc/exim4/update-exim4.conf.conf
}

# Generates Exim's configuration, starts the daemon with a queue run every two seconds, and follows its main log.
run_exim() {
  update-exim4.conf
  install -d -o Debian-exim -g adm /var/log/exim4
  install -o Debian-exim -g adm -m 0640 /dev/null /var/log/exim4/mainlog
  exim4 -bdf -q2s &
  exec tail -F -n +1 /var/log/exim4/mainlog
}
