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

/** Builds a self-report and names every disagreement between the toolchain file and the running image. */
export function buildSelfReport(role: SelfReport['role'], toolchain: Toolchain, image: string, output: string): SelfReport {
  const values = parseSelfReportOutput(output);
  const report: SelfReport = {
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
  return report;
}
