# The raw destination: an SMTP server with no TLS stack. It offers STARTTLS, answers it with 220, then misbehaves
# ($ARGV[0]: plaintext-reply, close, stall or unexpected-message). Mail sent without STARTTLS is accepted and
# discarded. One line per event on standard output: `tlslab-raw[PID]: ...`.
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;

$| = 1;
my $action = $ARGV[0] // 'close';
my $hostname = $ENV{TLSLAB_HOSTNAME} // 'raw.lab.test';
my $listener = IO::Socket::INET->new(LocalPort => 25, Listen => 16, ReuseAddr => 1, Proto => 'tcp') or die "tlslab-raw: cannot listen on port 25: $!\n";
$SIG{CHLD} = 'IGNORE';
print "tlslab-raw[$$]: listening on port 25, after STARTTLS: $action\n";
my $queued = 0;
while (1) {
  my $client = $listener->accept or next;
  $queued++;
  my $pid = fork;
  if (!defined $pid) { close $client; next; }
  if ($pid == 0) { close $listener; session($client, sprintf('RAW%05d', $queued)); exit 0; }
  close $client;
}

sub session {
  my ($client, $queue_id) = @_;
  my $peer = $client->peerhost // 'unknown';
  my $say = sub { print {$client} "$_[0]\r\n"; };
  my $log = sub { print "tlslab-raw[$$]: $_[0]\n"; };
  $log->("connect from [$peer]");
  $say->("220 $hostname ESMTP raw");
  while (defined(my $line = <$client>)) {
    $line =~ s/\r?\n\z//;
    if ($line =~ /^(EHLO|HELO)\b/i) {
      if (uc $1 eq 'EHLO') { $say->("250-$hostname"); $say->('250-PIPELINING'); $say->('250-8BITMIME'); $say->('250 STARTTLS'); }
      else { $say->("250 $hostname"); }
    } elsif ($line =~ /^STARTTLS\b/i) {
      $say->('220 2.0.0 Ready to start TLS');
      if ($action eq 'close') {
        # A FIN, whatever the client has sent by now: closing a socket with unread bytes would send a reset instead.
        shutdown($client, 1);
        $log->("STARTTLS from [$peer]: 220 sent, then the connection closed");
        my $select = IO::Select->new($client);
        while ($select->can_read(10)) { last unless sysread($client, my $bytes, 16384); }
        close $client;
        return;
      }
      if ($action eq 'stall') {
        my $got = 0;
        while (my $n = sysread($client, my $bytes, 16384)) { $got += $n; }
        $log->("STARTTLS from [$peer]: 220 sent, then silence; the client gave up after $got bytes");
        close $client;
        return;
      }
      my $got = sysread($client, my $bytes, 16384) // 0;
      if ($action eq 'unexpected-message') {
        # A handshake record holding a Finished message, where the ServerHello belongs.
        print {$client} "\x16\x03\x03\x00\x04\x14\x00\x00\x00";
        $log->("STARTTLS from [$peer]: 220 sent, then $got bytes of TLS answered with a Finished message");
        sysread($client, $bytes, 16384);
        close $client;
        return;
      }
      $log->("STARTTLS from [$peer]: 220 sent, then $got bytes of TLS answered in plaintext");
      $say->('500 5.5.1 Command unrecognized');
      sysread($client, $bytes, 16384);
      close $client;
      return;
    } elsif ($line =~ /^(MAIL|RCPT|RSET|NOOP)\b/i) {
      $say->('250 2.0.0 Ok');
    } elsif ($line =~ /^DATA\b/i) {
      $say->('354 End data with <CR><LF>.<CR><LF>');
      my $message_id = '';
      while (defined(my $data = <$client>)) {
        $data =~ s/\r?\n\z//;
        last if $data eq '.';
        $message_id = $1 if $message_id eq '' && $data =~ /^Message-ID:\s*<([^>]*)>/i;
      }
      $log->("$queue_id: message-id=<$message_id> from [$peer], received in plaintext");
      $say->("250 2.0.0 Ok: queued as $queue_id");
    } elsif ($line =~ /^QUIT\b/i) {
      $say->('221 2.0.0 Bye');
      last;
    } else {
      $say->('502 5.5.2 Command not recognized');
    }
  }
  $log->("disconnect from [$peer]");
  close $client;
}
