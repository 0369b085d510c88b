/**
 * What the lab does with each main.cf parameter of an admin's configuration. The receiver under
 * test must answer as the admin's server would in TLS, while it lives on a private network with no
 * DNS, no other hosts and a sink for mail: so identity, routing, delivery and outside lookups are
 * the lab's, and everything else is the admin's.
 */
export type ParameterAction = 'keep' | 'override' | 'drop' | 'rewrite';

export interface ParameterRule {
  action: Exclude<ParameterAction, 'rewrite'>;
  reason: string;
}

const IDENTITY = 'the lab names the receiver receiver.lab.test and accepts mail for that name; your value would route the test messages elsewhere';
const ROUTING = 'the lab delivers test mail to a sink and routes outbound test mail to its own destinations; your routing points at hosts that do not exist on the lab network';
const DELIVERY = 'local delivery is replaced by a discard transport in the lab';
const EXTERNAL = 'it calls services outside the lab (filters, milters, policy servers, DNS lists) that do not exist on the lab network and would reject or delay every test message';
const RESTRICTIONS = 'SMTP access restrictions are not part of TLS, and lookups in them (DNS, RBLs, tables on your host) would reject or delay the lab senders';
const LOGGING = 'the lab sends the log to the container output to read it';

/** Exact parameter names. */
const EXACT: Record<string, ParameterRule> = {
  myhostname: { action: 'override', reason: IDENTITY },
  mydomain: { action: 'override', reason: IDENTITY },
  myorigin: { action: 'override', reason: IDENTITY },
  mydestination: { action: 'override', reason: IDENTITY },
  myhostname_alias: { action: 'override', reason: IDENTITY },
  inet_interfaces: { action: 'override', reason: 'the receiver listens on its lab network address' },
  inet_protocols: { action: 'override', reason: 'the lab network is IPv4 only' },
  proxy_interfaces: { action: 'drop', reason: 'the receiver listens on its lab network address' },
  mynetworks: { action: 'override', reason: 'lab senders must be treated as outside clients, as real peers are' },
  mynetworks_style: { action: 'drop', reason: 'lab senders must be treated as outside clients, as real peers are' },
  relayhost: { action: 'drop', reason: ROUTING },
  relay_domains: { action: 'drop', reason: ROUTING },
  relay_transport: { action: 'drop', reason: ROUTING },
  relay_recipient_maps: { action: 'drop', reason: ROUTING },
  transport_maps: { action: 'drop', reason: ROUTING },
  default_transport: { action: 'drop', reason: ROUTING },
  sender_dependent_relayhost_maps: { action: 'drop', reason: ROUTING },
  sender_dependent_default_transport_maps: { action: 'drop', reason: ROUTING },
  fallback_relay: { action: 'drop', reason: ROUTING },
  smtp_fallback_relay: { action: 'drop', reason: ROUTING },
  canonical_maps: { action: 'drop', reason: ROUTING },
  sender_canonical_maps: { action: 'drop', reason: ROUTING },
  recipient_canonical_maps: { action: 'drop', reason: ROUTING },
  alias_maps: { action: 'override', reason: DELIVERY },
  alias_database: { action: 'override', reason: DELIVERY },
  local_recipient_maps: { action: 'override', reason: DELIVERY },
  local_transport: { action: 'override', reason: DELIVERY },
  mailbox_command: { action: 'drop', reason: DELIVERY },
  mailbox_transport: { action: 'drop', reason: DELIVERY },
  mailbox_size_limit: { action: 'drop', reason: DELIVERY },
  home_mailbox: { action: 'drop', reason: DELIVERY },
  mail_spool_directory: { action: 'drop', reason: DELIVERY },
  luser_relay: { action: 'drop', reason: DELIVERY },
  content_filter: { action: 'drop', reason: EXTERNAL },
  receive_override_options: { action: 'drop', reason: EXTERNAL },
  smtpd_proxy_filter: { action: 'drop', reason: EXTERNAL },
  header_checks: { action: 'drop', reason: EXTERNAL },
  body_checks: { action: 'drop', reason: EXTERNAL },
  mime_header_checks: { action: 'drop', reason: EXTERNAL },
  nested_header_checks: { action: 'drop', reason: EXTERNAL },
  maillog_file: { action: 'override', reason: LOGGING },
  syslog_name: { action: 'drop', reason: LOGGING },
  syslog_facility: { action: 'drop', reason: LOGGING },
  queue_directory: { action: 'drop', reason: 'the image keeps its own queue' },
  command_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  daemon_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  data_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  meta_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  shlib_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  sendmail_path: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  newaliases_path: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  mailq_path: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  manpage_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  sample_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  readme_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  html_directory: { action: 'drop', reason: 'the image installs Postfix in its own places' },
  mail_owner: { action: 'drop', reason: 'the image has its own postfix user' },
  setgid_group: { action: 'drop', reason: 'the image has its own postdrop group' },
  smtpd_authorized_xclient_hosts: { action: 'drop', reason: EXTERNAL },
  smtpd_sasl_auth_enable: { action: 'drop', reason: 'SASL needs your authentication backend (Dovecot, Cyrus), absent in the lab; the lab senders do not authenticate' },
  smtpd_sasl_type: { action: 'drop', reason: 'SASL needs your authentication backend (Dovecot, Cyrus), absent in the lab; the lab senders do not authenticate' },
  smtpd_sasl_path: { action: 'drop', reason: 'SASL needs your authentication backend (Dovecot, Cyrus), absent in the lab; the lab senders do not authenticate' },
  smtp_sasl_auth_enable: { action: 'drop', reason: 'outbound SASL credentials belong to your relays, which the lab does not reach' },
  smtp_sasl_password_maps: { action: 'drop', reason: 'outbound SASL credentials belong to your relays, which the lab does not reach' },
  smtp_tls_policy_maps: { action: 'drop', reason: 'per-destination policies name your real destinations; the lab tests the default policy against its own destinations' },
  smtp_tls_per_site: { action: 'drop', reason: 'per-destination policies name your real destinations; the lab tests the default policy against its own destinations' },
  smtp_dns_support_level: { action: 'drop', reason: 'the lab network has no DNS' },
  disable_dns_lookups: { action: 'drop', reason: 'the lab network has no DNS' },
  smtp_host_lookup: { action: 'drop', reason: 'the lab network has no DNS' },
  smtpd_peername_lookup: { action: 'drop', reason: 'the lab network has no DNS' },
};

/** Name patterns, tried in order after the exact names. */
const PATTERNS: [RegExp, ParameterRule][] = [
  [/^(virtual|local)_/, { action: 'drop', reason: DELIVERY }],
  [/^(smtpd|non_smtpd|milter)_milters?$|^milter_/, { action: 'drop', reason: EXTERNAL }],
  [/^smtpd_\w+_restrictions$|^smtpd_restriction_classes$|^smtpd_helo_required$|^smtpd_reject_unlisted_\w+$|^reject_\w+$|^unknown_\w+_reject_code$/, { action: 'drop', reason: RESTRICTIONS }],
  [/^postscreen_|^dnsblog_|^tlsproxy_/, { action: 'drop', reason: 'the lab runs smtpd directly on port 25, without postscreen' }],
  [/^(transport|lmtp|dovecot|amavis|spamassassin|policyd|opendkim)_/, { action: 'drop', reason: EXTERNAL }],
  [/^(smtpd|smtp)_sasl_/, { action: 'drop', reason: 'SASL needs your authentication backend, absent in the lab; the lab senders do not authenticate' }],
  [/^(\w+_)?(destination_concurrency|destination_rate|initial_destination|delay_warning|maximal_queue|bounce_queue)/, { action: 'drop', reason: 'queue tuning for real destinations; the lab sends one message per peer' }],
];

/** What the lab does with a parameter of the admin's main.cf. Unknown parameters are kept: Postfix will say what it thinks of them. */
export function parameterRule(name: string): ParameterRule {
  const exact = EXACT[name];
  if (exact) return exact;
  for (const [pattern, rule] of PATTERNS) if (pattern.test(name)) return rule;
  return { action: 'keep', reason: 'applied as written' };
}

/** Parameters whose value names one file (not a lookup table). */
export const FILE_PARAMETERS = new Set([
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'smtpd_tls_dcert_file',
  'smtpd_tls_dkey_file',
  'smtpd_tls_eccert_file',
  'smtpd_tls_eckey_file',
  'smtpd_tls_CAfile',
  'smtpd_tls_dh1024_param_file',
  'smtpd_tls_dh512_param_file',
  'smtp_tls_cert_file',
  'smtp_tls_key_file',
  'smtp_tls_dcert_file',
  'smtp_tls_dkey_file',
  'smtp_tls_eccert_file',
  'smtp_tls_eckey_file',
  'smtp_tls_CAfile',
  'tls_random_source',
]);

/** Parameters that name a directory. */
export const DIRECTORY_PARAMETERS = new Set(['smtpd_tls_CApath', 'smtp_tls_CApath']);

/** The server certificate and key parameters: without files, the lab generates a certificate instead. */
export const SERVER_CERTIFICATE_PARAMETERS = new Set([
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'smtpd_tls_dcert_file',
  'smtpd_tls_dkey_file',
  'smtpd_tls_eccert_file',
  'smtpd_tls_eckey_file',
]);

/** Parameters with several values: `smtpd_tls_chain_files = a.pem, b.pem`. */
export const FILE_LIST_PARAMETERS = new Set(['smtpd_tls_chain_files', 'smtp_tls_chain_files']);
