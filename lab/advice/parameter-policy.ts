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

const SASL_SERVER = 'SASL needs your authentication backend (Dovecot, Cyrus), absent in the lab; the lab senders do not authenticate';
const IMAGE_LAYOUT = 'the image installs Postfix in its own places';
const NO_DNS = 'the lab network has no DNS';
const LAB_SENDERS_OUTSIDE = 'lab senders must be treated as outside clients, as real peers are';
const LISTEN = 'the receiver listens on its lab network address';

/** One rule for each of several names. */
function rules(action: ParameterRule['action'], reason: string, names: string[]): Record<string, ParameterRule> {
  return Object.fromEntries(names.map((name) => [name, { action, reason }]));
}

/** Exact parameter names. */
const EXACT: Record<string, ParameterRule> = {
  ...rules('override', IDENTITY, ['myhostname', 'mydomain', 'myorigin', 'mydestination', 'myhostname_alias']),
  ...rules('override', LISTEN, ['inet_interfaces']),
  ...rules('override', 'the lab network is IPv4 only', ['inet_protocols']),
  ...rules('drop', LISTEN, ['proxy_interfaces']),
  ...rules('override', LAB_SENDERS_OUTSIDE, ['mynetworks']),
  ...rules('drop', LAB_SENDERS_OUTSIDE, ['mynetworks_style']),
  ...rules('drop', ROUTING, [
    'relayhost', 'relay_domains', 'relay_transport', 'relay_recipient_maps', 'transport_maps', 'default_transport',
    'sender_dependent_relayhost_maps', 'sender_dependent_default_transport_maps', 'fallback_relay', 'smtp_fallback_relay',
    'canonical_maps', 'sender_canonical_maps', 'recipient_canonical_maps',
  ]),
  ...rules('override', DELIVERY, ['alias_maps', 'alias_database', 'local_recipient_maps', 'local_transport']),
  ...rules('drop', DELIVERY, ['mailbox_command', 'mailbox_transport', 'mailbox_size_limit', 'home_mailbox', 'mail_spool_directory', 'luser_relay']),
  ...rules('drop', EXTERNAL, [
    'content_filter', 'receive_override_options', 'smtpd_proxy_filter', 'header_checks', 'body_checks', 'mime_header_checks',
    'nested_header_checks', 'smtpd_authorized_xclient_hosts',
  ]),
  ...rules('override', LOGGING, ['maillog_file']),
  ...rules('drop', LOGGING, ['syslog_name', 'syslog_facility']),
  ...rules('drop', 'the image keeps its own queue', ['queue_directory']),
  ...rules('drop', IMAGE_LAYOUT, [
    'command_directory', 'daemon_directory', 'data_directory', 'meta_directory', 'shlib_directory', 'sendmail_path',
    'newaliases_path', 'mailq_path', 'manpage_directory', 'sample_directory', 'readme_directory', 'html_directory',
  ]),
  ...rules('drop', 'the image has its own postfix user', ['mail_owner']),
  ...rules('drop', 'the image has its own postdrop group', ['setgid_group']),
  ...rules('drop', SASL_SERVER, ['smtpd_sasl_auth_enable', 'smtpd_sasl_type', 'smtpd_sasl_path']),
  ...rules('drop', 'outbound SASL credentials belong to your relays, which the lab does not reach', ['smtp_sasl_auth_enable', 'smtp_sasl_password_maps']),
  ...rules('drop', 'per-destination policies name your real destinations; the lab tests the default policy against its own destinations', ['smtp_tls_policy_maps', 'smtp_tls_per_site']),
  ...rules('drop', NO_DNS, ['smtp_dns_support_level', 'disable_dns_lookups', 'smtp_host_lookup', 'smtpd_peername_lookup']),
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

/**
 * The DH parameter files: without them, Postfix itself warns (`cannot load 1024-bit DH parameters from file ...
 * -- using compiled-in defaults`) and goes on with its built-in group, and so does the lab's receiver.
 */
export const DH_PARAMETER_FILES = new Set(['smtpd_tls_dh1024_param_file', 'smtpd_tls_dh512_param_file']);

/** Parameters with several values: `smtpd_tls_chain_files = a.pem, b.pem`. */
export const FILE_LIST_PARAMETERS = new Set(['smtpd_tls_chain_files', 'smtp_tls_chain_files']);
