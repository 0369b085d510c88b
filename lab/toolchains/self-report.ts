import type { SelfReport } from '../scenario/result.ts';
import type { Toolchain } from './model.ts';

/** Parses the entrypoint's `self-report` output (key=value lines). */
export function parseSelfReportOutput(output: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (match && match[2]!.trim() !== '') values[match[1]!] = match[2]!.trim();
  }
  return values;
}

/** "OpenSSL 1.0.1e-fips 11 Feb 2013" → "1.0.1e-fips" */
export function libraryVersion(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /\b(?:OpenSSL|LibreSSL|GnuTLS)\s+(\S+)/.exec(text)?.[1];
}

/** "3.0" covers "3.0.20", "1.1.1" covers "1.1.1w", "1.0.1e" covers "1.0.1e-fips". */
export function sameRelease(declared: string, reported: string): boolean {
  if (!reported.startsWith(declared)) return false;
  const rest = reported.slice(declared.length);
  return rest === '' || /^[.-]/.test(rest) || (/^[a-z]+(-|$)/.test(rest) && /\d$/.test(declared));
}

/**
 * A self-report with what the image's openssl command can negotiate. The extra fields travel in the
 * JSON report beside the fields of SelfReport.
 */
/** Kept as a name for callers of this module; the fields live on SelfReport itself. */
export type ToolchainSelfReport = SelfReport;

const CIPHER_CLASSES: ReadonlyArray<[string, (suite: string) => boolean]> = [
  ['TLS1.3', (c) => c.startsWith('TLS_')],
  ['ECDHE', (c) => /^ECDHE-/.test(c)],
  ['DHE', (c) => /^(DHE|EDH)-/.test(c)],
  ['AESGCM', (c) => c.includes('GCM')],
  ['CHACHA20', (c) => c.includes('CHACHA20')],
  ['3DES', (c) => c.includes('DES-CBC3')],
  ['DES', (c) => /(^|-)DES-CBC-/.test(c)],
  ['RC4', (c) => c.includes('RC4')],
  ['EXPORT', (c) => c.startsWith('EXP')],
  ['NULL', (c) => c.includes('NULL')],
  ['anon', (c) => /^(ADH|AECDH)-/.test(c)],
];

/** The families a list of OpenSSL suite names covers, in a fixed order. */
export function cipherClasses(suites: readonly string[]): string[] {
  return CIPHER_CLASSES.filter(([, matches]) => suites.some(matches)).map(([name]) => name);
}

/** What each declared build option promises the self-report will show. */
const OPTION_PROMISES: Record<string, (r: ToolchainSelfReport) => string | undefined> = {
  'enable-ssl3-method': (r) => (r.protocols && !r.protocols.includes('SSLv3') ? 'declared enable-ssl3-method, but the openssl command offers no SSLv3' : undefined),
  'enable-weak-ssl-ciphers': (r) =>
    r.cipherClasses && !(r.cipherClasses.includes('RC4') && r.cipherClasses.includes('3DES'))
      ? `declared enable-weak-ssl-ciphers, but the library lists ${r.cipherClasses.filter((c) => c === 'RC4' || c === '3DES').join(' and ') || 'neither RC4 nor 3DES'} at security level 0`
      : undefined,
};

/** Builds a self-report and names every disagreement between the toolchain file and the running image. */
export function buildSelfReport(role: SelfReport['role'], toolchain: Toolchain, image: string, output: string): ToolchainSelfReport {
  const values = parseSelfReportOutput(output);
  const report: ToolchainSelfReport = {
    role,
    toolchain: toolchain.name,
    image,
    declared: { postfix: toolchain.postfix?.version ?? null, tls: `${toolchain.tls.library} ${toolchain.tls.version}` },
    mismatches: [],
  };
  if (values.mail_version) report.mailVersion = values.mail_version;
  if (values.smtpd_tls_version) report.linkedTls = values.smtpd_tls_version;
  if (values.smtpd_libssl) report.linkedLibrary = values.smtpd_libssl;
  if (values.openssl_command) report.opensslCommand = values.openssl_command;
  if (values.swaks_tls) report.clientTls = values.swaks_tls;
  if (values.openssl_protocols) report.protocols = values.openssl_protocols.split(/\s+/);
  if (values.openssl_cipher_count) report.cipherCount = Number(values.openssl_cipher_count);
  if (values.openssl_ciphers) report.cipherClasses = cipherClasses(values.openssl_ciphers.split(':'));
  if (toolchain.postfix && !report.mailVersion) {
    report.mismatches.push(`declared Postfix ${toolchain.postfix.version}, but the image has no postconf`);
  }
  if (toolchain.postfix && report.mailVersion && !sameRelease(toolchain.postfix.version, report.mailVersion)) {
    report.mismatches.push(`declared Postfix ${toolchain.postfix.version}, but postconf reports ${report.mailVersion}`);
  }
  const linked = libraryVersion(report.linkedTls);
  if (toolchain.postfix && linked && !sameRelease(toolchain.tls.version, linked)) {
    report.mismatches.push(`declared ${toolchain.tls.library} ${toolchain.tls.version}, but smtpd is linked against ${report.linkedTls}`);
  }
  const command = libraryVersion(report.opensslCommand);
  if (linked && command && linked !== command) {
    report.mismatches.push(`smtpd uses ${report.linkedTls}, while the openssl command is ${report.opensslCommand}`);
  }
  if (!toolchain.postfix && toolchain.tls.library === 'openssl') {
    if (!command) report.mismatches.push(`declared openssl ${toolchain.tls.version}, but the image has no openssl command`);
    else if (!sameRelease(toolchain.tls.version, command)) {
      report.mismatches.push(`declared openssl ${toolchain.tls.version}, but the openssl command is ${report.opensslCommand}`);
    }
  }
  if (values.exim_version) report.mtaVersion = `Exim ${values.exim_version}`;
  if (values.sendmail_version) report.mtaVersion = `Sendmail ${values.sendmail_version}`;
  if (values.exim_tls) report.mtaTls = values.exim_tls;
  if (toolchain.tls.library === 'gnutls') {
    const gnutls = libraryVersion(report.mtaTls);
    if (!gnutls) report.mismatches.push(`declared gnutls ${toolchain.tls.version}, but no program in the image reports a GnuTLS version`);
    else if (!sameRelease(toolchain.tls.version, gnutls)) report.mismatches.push(`declared gnutls ${toolchain.tls.version}, but Exim runs ${report.mtaTls}`);
  }
  const client = libraryVersion(report.clientTls);
  if (client && linked && client !== linked) {
    report.mismatches.push(`swaks's Net::SSLeay uses ${report.clientTls}, while smtpd uses ${report.linkedTls}`);
  }
  for (const option of toolchain.tls.options) {
    const broken = OPTION_PROMISES[option]?.(report);
    if (broken) report.mismatches.push(broken);
  }
  return report;
}
