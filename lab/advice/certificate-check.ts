import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

/** The admin's own server certificate as a client that verifies it sees it, read from the files main.cf names. */
export interface CertificateCheck {
  /** The file of the certificate clients get first (smtpd_tls_cert_file, or the first of smtpd_tls_chain_files). */
  file: string;
  subject: string;
  issuer: string;
  /** The names it was checked for (main.cf's myhostname). */
  checkedNames: string[];
  /** DNS names of subjectAltName, or the subject's CN when it has none. */
  names: string[];
  notBefore: string;
  notAfter: string;
  key: string;
  /** The key of each certificate the files serve to clients (one that issued none of the others), e.g. `EC prime256v1`. */
  leafKeys: string[];
  /** How many certificates after it the files hold (intermediates). */
  chain: number;
  /** What would make a verifying client reject it, each with the alert OpenSSL clients send for it. Empty: nothing found. */
  problems: string[];
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/**
 * The server presents an ECDSA certificate and no RSA one: every certificate of smtpd_tls_chain_files has an EC key,
 * or (without chain files) smtpd_tls_cert_file holds an EC key and no smtpd_tls_eccert_file is beside it.
 */
export function ecdsaOnly(certificate: CertificateCheck | undefined, mainCf: Record<string, string>): boolean {
  if (certificate === undefined) return false;
  if (mainCf.smtpd_tls_chain_files !== undefined) return certificate.leafKeys.length > 0 && certificate.leafKeys.every((key) => key.startsWith('EC'));
  return certificate.key.startsWith('EC') && mainCf.smtpd_tls_cert_file !== undefined && mainCf.smtpd_tls_eccert_file === undefined;
}

function keyOf(cert: X509Certificate): string {
  const details = cert.publicKey.asymmetricKeyDetails;
  const type = cert.publicKey.asymmetricKeyType ?? 'unknown';
  return type === 'rsa' ? `RSA ${details?.modulusLength ?? '?'} bits` : type === 'ec' ? `EC ${details?.namedCurve ?? ''}`.trim() : type.toUpperCase();
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesOf(text: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const [block] of text.matchAll(PEM_BLOCK)) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // Not a certificate Node can read: the check says nothing about it.
    }
  }
  return out;
}

let publicRoots: X509Certificate[] | undefined;

/** The public CAs' roots (Node's copy of the Mozilla store, which the distributions' CA bundles are made from too). */
function mozillaRoots(): X509Certificate[] {
  publicRoots ??= rootCertificates.flatMap((pem) => certificatesOf(pem));
  return publicRoots;
}

/** The CN of a distinguished name as Node prints it, one attribute per line. */
const commonName = (name: string): string | undefined => /(?:^|\n)CN=([^\n]+)/.exec(name)?.[1];

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Checks the first certificate of the files (each `{ file, text }`, in the order main.cf names them) for what
 * verifying clients reject: dates against `now`, the names clients connect by (`hostnames`, e.g. myhostname),
 * an issuer missing from the files (unless one of the `roots` issued it), a self-signed certificate, an extended
 * key usage without server authentication, a small RSA key. Undefined when no file holds a readable certificate.
 */
export function checkCertificate(
  files: readonly { file: string; text: string }[],
  options: { now: Date; hostnames: readonly string[]; /** Roots clients trust. Default: the public CAs' (see mozillaRoots). */ roots?: readonly X509Certificate[] },
): CertificateCheck | undefined {
  const all = files.flatMap(({ file, text }) => certificatesOf(text).map((cert) => ({ file, cert })));
  const first = all[0];
  if (first === undefined) return undefined;
  const { cert, file } = first;
  const others = all.slice(1).map((c) => c.cert);
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const dns = (cert.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const cn = commonName(cert.subject);
  const names = dns.length > 0 ? dns : cn === undefined ? [] : [cn];
  const type = cert.publicKey.asymmetricKeyType ?? 'unknown';
  const key = keyOf(cert);
  const leafKeys = all.filter((c) => !all.some((o) => o !== c && o.cert.checkIssued(c.cert))).map((c) => keyOf(c.cert));
  const problems: string[] = [];
  if (notAfter.getTime() < options.now.getTime()) {
    problems.push(`it ended on ${day(notAfter)}: every client that verifies rejects it ("certificate expired" from OpenSSL clients)`);
  } else if (notAfter.getTime() - options.now.getTime() < 14 * 86_400_000) {
    problems.push(`it ends on ${day(notAfter)}, within two weeks`);
  }
  if (notBefore.getTime() > options.now.getTime()) problems.push(`it starts on ${day(notBefore)}: clients reject it until then ("bad certificate" from OpenSSL clients)`);
  for (const host of options.hostnames) {
    if (cert.checkHost(host) === undefined) problems.push(`it does not carry ${host}, this server's name (it has ${names.join(', ') || 'no DNS name'}): clients that connect by that name and check it reject it ("bad certificate" from OpenSSL clients)`);
  }
  const selfSigned = cert.checkIssued(cert);
  if (selfSigned) {
    problems.push('it is self-signed: only clients told to trust this very certificate accept it (others say "unknown ca")');
  } else if (!others.some((other) => cert.checkIssued(other)) && !issuedByRoot(cert, options.roots ?? mozillaRoots())) {
    const issuer = commonName(cert.issuer) ?? cert.issuer.replace(/\n/g, ', ');
    problems.push(`its issuer (${issuer}) is not in the file${files.length > 1 ? 's' : ''}: clients that do not hold that certificate themselves cannot build the chain ("unknown ca" from OpenSSL clients); serve the chain with it (smtpd_tls_chain_files, or the intermediates after the certificate in smtpd_tls_cert_file)`);
  }
  // Extended key usage: absent allows every use; anyExtendedKeyUsage (2.5.29.37.0) too.
  const usages = cert.keyUsage;
  if (usages !== undefined && usages.length > 0 && !usages.includes(SERVER_AUTH) && !usages.includes('2.5.29.37.0')) {
    problems.push(`its extended key usage (${usages.join(', ')}) leaves out TLS server authentication (${SERVER_AUTH}): OpenSSL clients that verify answer "unsupported certificate"`);
  }
  if (type === 'rsa' && (cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) < 2048) problems.push(`its ${key} key is below what clients at OpenSSL security level 2 (Debian's default) accept`);
  return {
    file, subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), checkedNames: [...options.hostnames], names,
    notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), key, leafKeys, chain: others.length, problems,
  };
}

/** A certificate a root issued itself needs no intermediate: clients that trust the root build the chain. */
function issuedByRoot(cert: X509Certificate, roots: readonly X509Certificate[]): boolean {
  return roots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
}

/** One line on the certificate: file, names, dates, key, chain. */
export function describeCertificate(check: CertificateCheck): string {
  return `${check.file}: ${check.names.join(', ') || check.subject}, ${check.notBefore.slice(0, 10)} to ${check.notAfter.slice(0, 10)}, ${check.key}, ${check.chain} more certificate(s) in the chain`;
}

const findings = (check: CertificateCheck) => (check.problems.length > 0 ? check.problems.join('; ') : 'nothing that verifying clients reject was found');

/**
 * The certificate and what verifying clients would reject in it, for a report on the configuration: main.cf's, then
 * each listener's own (a master.cf -o smtpd_tls_cert_file or smtpd_tls_chain_files), a paragraph each.
 */
export function certificateSummary(config: { certificate?: CertificateCheck; listeners: readonly { service: string; source: string; certificate?: CertificateCheck }[] }): string[] {
  const check = config.certificate;
  const lines = [check === undefined
    ? 'Your certificate: none in the folder; the receiver ran with a generated self-signed one, which senders that verify reject.'
    : `Your certificate (${describeCertificate(check)}): ${findings(check)}.`];
  for (const listener of config.listeners) {
    if (listener.certificate !== undefined) lines.push(`Its own on ${listener.service} (${listener.source}; ${describeCertificate(listener.certificate)}): ${findings(listener.certificate)}.`);
  }
  return lines;
}
