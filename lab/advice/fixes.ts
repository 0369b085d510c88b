import { SYSTEM_CA_BUNDLE } from '../certificates/lab-ca.ts';
import type { FailureClass } from '../logs/types.ts';
import { PROTOCOLS, type TlsProtocol } from '../scenario/tls-vocabulary.ts';
import { compareVersions } from '../logs/versions.ts';
import { DH_STRICT_PROBE, groupsMissing } from './hypotheses.ts';

/** A configuration change that might make the reproduced senders succeed. */
export interface FixCandidate {
  id: string;
  title: string;
  why: string;
  /** Parameters to set; null removes the parameter (Postfix's default then applies). */
  mainCf: Record<string, string | null>;
  /** `-o` settings to change in a master.cf listener that sets them itself (see listeners.ts); null removes one. */
  listener?: { port: number; service: string; set: Record<string, string | null> };
  /** Senders whose STARTTLS is discarded by smtpd_discard_ehlo_keyword_address_maps (by their address). */
  discardStarttlsFor?: string[];
  /** Parameters and tables changed: the smaller, the easier to review. */
  size: number;
  /** What it gives up for the peers it serves (verification, TLS itself): it ranks after the fixes that give up nothing. */
  weakens?: string;
}

/** The destination `reproduce` adds for a server that takes mail only over TLS (see `starttlsRequiredDestination`). */
export const STARTTLS_REQUIRED_DESTINATION = 'starttls-required';
/** The outbound destination that advertises STARTTLS and answers it with 454, its TLS off by a set-up error. */
export const STARTTLS_REFUSED_DESTINATION = 'starttls-refused';

/**
 * The RSA certificate the receiver's entrypoint generates beside the admin's own (images/common/entrypoint.sh,
 * make_certificates): it stands in for an RSA certificate from the admin's CA.
 */
export const GENERATED_RSA_CERTIFICATE = { cert: '/etc/postfix/tls/rsa-cert.pem', key: '/etc/postfix/tls/rsa-key.pem' };

/** What fix generation needs to know about one failure and the senders that reproduced it. */
export interface ReproducedFailure {
  class: FailureClass;
  /** Protocols the reproducing senders offer. */
  offered: TlsProtocol[];
  senders: string[];
  /** Server exclusions that reproducing probes offer alone (e.g. RSA+AES): lifting them is tried first. */
  families?: string[];
}

const PROTOCOL_FIXED = new Set<FailureClass>(['unknown-protocol', 'unsupported-protocol', 'wrong-version-number', 'version-too-low', 'alert-protocol-version']);
const CIPHER_FIXED = new Set<FailureClass>(['no-shared-cipher', 'peer-aborted', 'dh-key-too-small', 'no-suitable-signature-algorithm']);
/**
 * Exclusions worth lifting, most likely needed by real senders first: families mainstream MTAs
 * offer (RSA key exchange with AES, AES-GCM, ECDHE, DHE), then legacy ones (3DES, CAMELLIA), then
 * whole grades and broken suites. aNULL, eNULL, EXPORT, LOW and MD5 are never proposed.
 */
const LIFTABLE = ['RSA+AES', 'kRSA', 'RSA', 'AESGCM', 'AES128', 'AES256', 'SHA1', 'kECDHE', 'ECDHE', 'EECDH', 'kEECDH', 'kDHE', 'DHE', 'EDH', 'kEDH', '3DES', 'DES-CBC3', 'CAMELLIA', 'CAMELLIA128', 'CAMELLIA256', 'MEDIUM', 'RC4'];

const tokens = (list: string) => list.split(/[\s,:]+/).filter(Boolean);

/** A protocol list with `protocol` allowed again: `!P` removed, or a `>=` bound lowered to it. */
export function allowProtocol(list: string, protocol: TlsProtocol): string | undefined {
  const parts = tokens(list);
  const bound = parts.find((t) => t.startsWith('>='));
  if (bound) {
    const current = bound.slice(2) as TlsProtocol;
    if (!PROTOCOLS.includes(current) || PROTOCOLS.indexOf(protocol) >= PROTOCOLS.indexOf(current)) return undefined;
    return parts.map((t) => (t === bound ? `>=${protocol}` : t)).join(', ');
  }
  if (!parts.includes(`!${protocol}`)) return undefined;
  return parts.filter((t) => t !== `!${protocol}`).join(', ');
}

/**
 * Candidate fixes for the reproduced failures, generated from their classes: protocol failures
 * re-enable each protocol the failing senders offer (the highest first); cipher failures lift each
 * exclusion a sender may depend on, lower a "high" grade, and enable ECDHE where Postfix leaves it
 * off; any failure can be side-stepped by not offering STARTTLS to the failing senders.
 */
export function generateFixes(
  reproduced: readonly ReproducedFailure[], mainCf: Record<string, string>, postfixVersion: string | undefined, limit = 8, server: { ecdsaOnly?: boolean } = {},
): FixCandidate[] {
  const protocolFixes: FixCandidate[] = [];
  const cipherFixes: FixCandidate[] = [];
  let fixes = protocolFixes;
  const add = (fix: FixCandidate) => {
    if (![...protocolFixes, ...cipherFixes].some((f) => JSON.stringify(f.mainCf) === JSON.stringify(fix.mainCf))) fixes.push(fix);
  };
  const protocolParams = ['smtpd_tls_protocols', 'smtpd_tls_mandatory_protocols'].filter((p) => mainCf[p] !== undefined);
  for (const failure of reproduced.filter((f) => PROTOCOL_FIXED.has(f.class))) {
    const offered = [...new Set(failure.offered)].sort((a, b) => PROTOCOLS.indexOf(b) - PROTOCOLS.indexOf(a));
    for (const protocol of offered) {
      const change: Record<string, string> = {};
      for (const param of protocolParams) {
        const next = allowProtocol(mainCf[param]!, protocol);
        if (next !== undefined) change[param] = next;
      }
      if (Object.keys(change).length === 0) continue;
      add({ id: `allow-${protocol.toLowerCase()}`, title: `allow ${protocol} inbound`, why: `${failure.senders.join(', ')} offer ${protocol}; the server has it disabled`, mainCf: change, size: Object.keys(change).length });
    }
  }
  const certificateFailures = reproduced.filter((f) => f.class === 'client-certificate');
  if (certificateFailures.length > 0 && mainCf.smtpd_tls_req_ccert === 'yes') {
    add({
      id: 'stop-requiring-client-certificates', title: 'stop requiring client certificates (remove smtpd_tls_req_ccert)',
      why: `${[...new Set(certificateFailures.flatMap((f) => f.senders))].join(', ')} present none, as nearly every sender does`,
      mainCf: { smtpd_tls_req_ccert: null }, size: 1,
      weakens: 'clients no longer need a certificate to send (smtpd_tls_ask_ccert with permit_tls_clientcerts still lets one grant relaying)',
    });
  }
  fixes = cipherFixes;
  const cipherFailures = reproduced.filter((f) => CIPHER_FIXED.has(f.class));
  if (cipherFailures.length > 0) {
    const senders = [...new Set(cipherFailures.flatMap((f) => f.senders))].join(', ');
    const exclusions = tokens(mainCf.smtpd_tls_exclude_ciphers ?? '');
    const reproducedFamilies = new Set(cipherFailures.flatMap((f) => f.families ?? []));
    const bare = (t: string) => t.replace(/^!/, '');
    const liftable = exclusions
      .filter((t) => LIFTABLE.includes(bare(t)))
      .sort((a, b) => Number(reproducedFamilies.has(bare(b))) - Number(reproducedFamilies.has(bare(a))) || LIFTABLE.indexOf(bare(a)) - LIFTABLE.indexOf(bare(b)));
    // An ECDSA certificate alone is the cause whatever the cipher list says: its fix comes first.
    const certFile = mainCf.smtpd_tls_cert_file;
    const keyFile = mainCf.smtpd_tls_key_file ?? certFile;
    const chainFiles = mainCf.smtpd_tls_chain_files;
    if (server.ecdsaOnly === true && chainFiles !== undefined) {
      add({
        id: 'add-rsa-certificate', title: 'serve an RSA key and certificate beside the ECDSA ones (in smtpd_tls_chain_files)',
        why: `${senders} may offer only RSA-authenticated suites (RSA key exchange, ECDHE-RSA, DHE-RSA), which ECDSA certificates alone cannot serve. smtpd_tls_chain_files keeps your key and certificates and takes an RSA key and certificate from your CA for the same names after them, for which the lab stands in a generated one`,
        mainCf: { smtpd_tls_chain_files: `${chainFiles}, ${GENERATED_RSA_CERTIFICATE.key}, ${GENERATED_RSA_CERTIFICATE.cert}` },
        size: 2,
      });
    } else if (server.ecdsaOnly === true && certFile !== undefined && keyFile !== undefined) {
      add({
        id: 'add-rsa-certificate', title: 'serve an RSA certificate beside the ECDSA one (smtpd_tls_cert_file RSA, smtpd_tls_eccert_file ECDSA)',
        why: `${senders} may offer only RSA-authenticated suites (RSA key exchange, ECDHE-RSA, DHE-RSA), which an ECDSA certificate alone cannot serve. Your certificate and key move to smtpd_tls_eccert_file and smtpd_tls_eckey_file; smtpd_tls_cert_file and smtpd_tls_key_file take an RSA certificate from your CA for the same names, for which the lab stands in a generated one`,
        mainCf: { smtpd_tls_eccert_file: certFile, smtpd_tls_eckey_file: keyFile, smtpd_tls_cert_file: GENERATED_RSA_CERTIFICATE.cert, smtpd_tls_key_file: GENERATED_RSA_CERTIFICATE.key },
        size: 4,
      });
    }
    if (postfixVersion !== undefined && compareVersions(postfixVersion, '2.8') < 0 && (mainCf.smtpd_tls_eecdh_grade ?? 'none') === 'none') {
      add({ id: 'enable-ecdhe', title: 'enable ECDHE (smtpd_tls_eecdh_grade = strong)', why: `Postfix ${postfixVersion} leaves ECDHE off by default; ${senders} may offer ECDHE suites`, mainCf: { smtpd_tls_eecdh_grade: 'strong' }, size: 1 });
    }
    for (const token of liftable) {
      const rest = exclusions.filter((t) => t !== token);
      add({ id: `stop-excluding-${token.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, title: `stop excluding ${token}`, why: `${senders} may depend on ${token} suites`, mainCf: { smtpd_tls_exclude_ciphers: rest.length ? rest.join(', ') : null }, size: 1 });
    }
    if (liftable.length > 1) {
      const rest = exclusions.filter((t) => !liftable.includes(t));
      add({ id: 'stop-excluding-all', title: `stop excluding ${liftable.join(', ')}`, why: `keep only the exclusions of broken suites (${rest.join(', ') || 'none'})`, mainCf: { smtpd_tls_exclude_ciphers: rest.length ? rest.join(', ') : null }, size: 1 });
    }
    const dhStrict = cipherFailures.some((f) => f.senders.includes(DH_STRICT_PROBE));
    if (dhStrict && mainCf.smtpd_tls_dh1024_param_file !== undefined && postfixVersion !== undefined && compareVersions(postfixVersion, '3.1') >= 0) {
      add({
        id: 'builtin-dh-group', title: 'use Postfix\'s own DH group (drop smtpd_tls_dh1024_param_file)',
        why: `${DH_STRICT_PROBE} refuses the configured DH group as too small; Postfix 3.1 and later bring a 2048-bit group of their own`,
        mainCf: { smtpd_tls_dh1024_param_file: null }, size: 1,
      });
    }
    const highGrades = ['smtpd_tls_ciphers', 'smtpd_tls_mandatory_ciphers'].filter((param) => mainCf[param] === 'high');
    for (const param of highGrades) {
      add({ id: `${param.replace(/_/g, '-')}-medium`, title: `${param} = medium`, why: `the "high" grade leaves out suites ${senders} may need`, mainCf: { [param]: 'medium' }, size: 1 });
    }
    // A family that the "high" grade leaves out as well (RC4, and 3DES since OpenSSL 1.1.0) needs both changes.
    const needed = liftable.filter((t) => reproducedFamilies.has(bare(t)));
    if (highGrades.length > 0 && needed.length > 0) {
      const rest = exclusions.filter((t) => !needed.includes(t));
      add({
        id: 'stop-excluding-and-medium', title: `stop excluding ${needed.join(', ')} and ${highGrades.map((param) => `${param} = medium`).join(', ')}`,
        why: `${senders} may depend on ${needed.join(', ')} suites, which the "high" grade leaves out too`,
        mainCf: { smtpd_tls_exclude_ciphers: rest.length ? rest.join(', ') : null, ...Object.fromEntries(highGrades.map((param) => [param, 'medium'])) },
        size: 1 + highGrades.length,
      });
    }
  }
  const groupFailures = reproduced.filter((f) => f.class === 'no-shared-group');
  const curves = mainCf.tls_eecdh_auto_curves;
  if (groupFailures.length > 0 && curves !== undefined) {
    const senders = [...new Set(groupFailures.flatMap((f) => f.senders))].join(', ');
    add({ id: 'default-groups', title: 'Postfix\'s default key-exchange groups (remove tls_eecdh_auto_curves)', why: `${senders} offer TLS 1.3 groups that "${curves}" leaves out`, mainCf: { tls_eecdh_auto_curves: null }, size: 1 });
    const common = groupsMissing({ tls_eecdh_auto_curves: curves }).filter((g) => g === 'X25519' || g === 'P-256').map((g) => (g === 'P-256' ? 'prime256v1' : g));
    if (common.length > 0) {
      add({ id: 'add-common-groups', title: `add ${common.join(' and ')} to tls_eecdh_auto_curves`, why: `the groups nearly every TLS 1.3 client offers; ${senders} may offer nothing else`, mainCf: { tls_eecdh_auto_curves: `${common.join(' ')} ${curves}` }, size: 1 });
    }
  }
  // Not offering STARTTLS cannot serve a client that never sends it (implicit TLS).
  const failing = [...new Set(reproduced.filter((f) => f.class !== 'implicit-tls').flatMap((f) => f.senders))];
  // Both kinds get their share of the runs, the most likely first.
  const share = Math.max(1, Math.floor((limit - 1) / (protocolFixes.length && cipherFixes.length ? 2 : 1)));
  const limited = [...protocolFixes.slice(0, share), ...cipherFixes.slice(0, limit - 1 - Math.min(share, protocolFixes.length))];
  if (failing.length > 0) {
    limited.push({
      id: 'discard-starttls',
      title: 'do not offer STARTTLS to the failing senders',
      why: 'smtpd_discard_ehlo_keyword_address_maps lists their addresses: they deliver in plaintext, everyone else keeps TLS',
      mainCf: { smtpd_discard_ehlo_keyword_address_maps: 'cidr:/etc/postfix/tlslab-starttls-discard.cidr' },
      discardStarttlsFor: failing,
      size: 2,
      weakens: 'those senders deliver in plaintext',
    });
  }
  return limited;
}

const OUTBOUND_PROTOCOL_FIXED = new Set<FailureClass>(['alert-protocol-version', 'unsupported-protocol', 'wrong-version-number', 'version-too-low', 'unknown-protocol']);
const OUTBOUND_CIPHER_FIXED = new Set<FailureClass>(['no-shared-cipher', 'peer-aborted']);
const VERIFYING_LEVELS = new Set(['verify', 'secure', 'dane-only', 'fingerprint']);

/**
 * Candidate fixes for reproduced outbound failures (this Postfix sending), from their classes: a server without
 * secure renegotiation is allowed by tls_ssl_options; protocol failures re-enable the protocols the smtp client
 * has disabled, the highest first; cipher failures lift smtp_tls_exclude_ciphers exclusions and a "high" grade;
 * a DH group too small for the client is taken at @SECLEVEL=1 in the cipher list that asks for more;
 * an unverifiable certificate is met by the system's CA bundle, then by a lower smtp_tls_security_level, and a
 * missing STARTTLS by a lower level too; a lower level's title says what it gives up.
 */
export function generateOutboundFixes(reproduced: readonly ReproducedFailure[], mainCf: Record<string, string>, limit = 4): FixCandidate[] {
  const fixes: FixCandidate[] = [];
  const add = (fix: FixCandidate) => {
    if (!fixes.some((f) => JSON.stringify(f.mainCf) === JSON.stringify(fix.mainCf))) fixes.push(fix);
  };
  const classes = new Set(reproduced.map((f) => f.class));
  const destinations = (test: (cls: FailureClass) => boolean) => [...new Set(reproduced.filter((f) => test(f.class)).flatMap((f) => f.senders))].join(', ');
  if (classes.has('unsafe-legacy-renegotiation')) {
    const options = tokens(mainCf.tls_ssl_options ?? '');
    if (!options.includes('LEGACY_SERVER_CONNECT')) {
      add({
        id: 'legacy-server-connect',
        title: 'allow servers without secure renegotiation (tls_ssl_options = LEGACY_SERVER_CONNECT)',
        why: `${destinations((c) => c === 'unsafe-legacy-renegotiation')} lack RFC 5746; OpenSSL 3 refuses such servers unless this option is set`,
        mainCf: { tls_ssl_options: [...options, 'LEGACY_SERVER_CONNECT'].join(' ') },
        size: 1,
      });
    }
  }
  if ([...classes].some((c) => OUTBOUND_PROTOCOL_FIXED.has(c))) {
    const who = destinations((c) => OUTBOUND_PROTOCOL_FIXED.has(c));
    const params = ['smtp_tls_protocols', 'smtp_tls_mandatory_protocols'].filter((p) => mainCf[p] !== undefined);
    for (const protocol of [...PROTOCOLS].reverse()) {
      const change: Record<string, string> = {};
      for (const param of params) {
        const next = allowProtocol(mainCf[param]!, protocol);
        if (next !== undefined) change[param] = next;
      }
      if (Object.keys(change).length > 0) add({ id: `allow-${protocol.toLowerCase()}-outbound`, title: `allow ${protocol} outbound`, why: `${who} may stop at ${protocol}, which this smtp client has disabled`, mainCf: change, size: Object.keys(change).length });
    }
  }
  if ([...classes].some((c) => OUTBOUND_CIPHER_FIXED.has(c))) {
    const who = destinations((c) => OUTBOUND_CIPHER_FIXED.has(c));
    const exclusions = tokens(mainCf.smtp_tls_exclude_ciphers ?? '');
    const liftable = exclusions.filter((t) => LIFTABLE.includes(t.replace(/^!/, '')));
    if (liftable.length > 0) {
      const rest = exclusions.filter((t) => !liftable.includes(t));
      add({ id: 'outbound-stop-excluding', title: `stop excluding ${liftable.join(', ')} outbound`, why: `${who} may accept only suites in those families`, mainCf: { smtp_tls_exclude_ciphers: rest.length ? rest.join(', ') : null }, size: 1 });
    }
    for (const param of ['smtp_tls_ciphers', 'smtp_tls_mandatory_ciphers']) {
      if (mainCf[param] === 'high') add({ id: `${param.replace(/_/g, '-')}-medium`, title: `${param} = medium`, why: `the "high" grade leaves out suites ${who} may need`, mainCf: { [param]: 'medium' }, size: 1 });
    }
  }
  if (classes.has('dh-key-too-small')) {
    // The level in a cipher list is what refuses the group (Postfix itself runs opportunistic TLS at level 0).
    const change: Record<string, string> = {};
    for (const param of ['tls_high_cipherlist', 'tls_medium_cipherlist', 'tls_low_cipherlist']) {
      const value = mainCf[param];
      if (value !== undefined && /@SECLEVEL=[2-5]\b/.test(value)) change[param] = value.replace(/@SECLEVEL=[2-5]\b/g, '@SECLEVEL=1');
    }
    if (Object.keys(change).length > 0) {
      add({
        id: 'outbound-seclevel-1', title: `@SECLEVEL=1 in ${Object.keys(change).join(', ')} (accepts 1024-bit DH groups)`,
        why: `${destinations((c) => c === 'dh-key-too-small')} offer a DH group under 2048 bits, which level 2 refuses; level 1 takes 1024 bits. The lists serve smtpd too`,
        mainCf: change, size: Object.keys(change).length,
      });
    }
  }
  const level = mainCf.smtp_tls_security_level ?? '';
  if (classes.has('certificate-verification') && mainCf.smtp_tls_CAfile !== SYSTEM_CA_BUNDLE) {
    add({
      id: 'outbound-system-ca', title: `trust the CAs of the system's bundle (smtp_tls_CAfile = ${SYSTEM_CA_BUNDLE})`,
      why: `${destinations((c) => c === 'certificate-verification')} may present certificates from public CAs, which this client verifies only against the CAs it is given: ${mainCf.smtp_tls_CAfile ? `${mainCf.smtp_tls_CAfile} alone` : 'none without smtp_tls_CAfile (tls_append_default_CA is off since Postfix 2.8)'}`,
      mainCf: { smtp_tls_CAfile: SYSTEM_CA_BUNDLE }, size: 1,
    });
  }
  if (classes.has('certificate-verification') && VERIFYING_LEVELS.has(level)) {
    add({
      id: 'outbound-encrypt', title: 'smtp_tls_security_level = encrypt (no certificate is verified any more)', why: `${destinations((c) => c === 'certificate-verification')} present a certificate this client cannot verify; encrypt keeps TLS mandatory without verifying it`,
      mainCf: { smtp_tls_security_level: 'encrypt' }, size: 1, weakens: 'no certificate is verified',
    });
  }
  const missing = classes.has('starttls-not-offered');
  const refused = reproduced.some((f) => f.class === 'invalid-local-config' && f.senders.includes(`→ ${STARTTLS_REFUSED_DESTINATION}`));
  if ((missing || refused) && (level === 'encrypt' || VERIFYING_LEVELS.has(level))) {
    const why = [
      ...(missing ? [`${destinations((c) => c === 'starttls-not-offered')} offer no STARTTLS`] : []),
      ...(refused ? [`→ ${STARTTLS_REFUSED_DESTINATION} answers STARTTLS with 454, its TLS off`] : []),
    ];
    const where = `where STARTTLS is ${[...(missing ? ['missing'] : []), ...(refused ? ['refused'] : [])].join(' or ')}`;
    add({
      id: 'outbound-may', title: `smtp_tls_security_level = may (plaintext ${where})`, why: `${why.join('; ')}; at level may the mail goes in plaintext`,
      mainCf: { smtp_tls_security_level: 'may' }, size: 1, weakens: `mail goes in plaintext ${where}`,
    });
  }
  const requiring = reproduced.filter((f) => f.class === 'invalid-local-config' && f.senders.includes(`→ ${STARTTLS_REQUIRED_DESTINATION}`));
  if (requiring.length > 0 && (level === '' || level === 'none')) {
    add({
      id: 'outbound-use-tls', title: 'use TLS where the server offers it (smtp_tls_security_level = may)',
      why: `${[...new Set(requiring.flatMap((f) => f.senders))].join(', ')} take mail only over TLS, and this client does not start TLS at level ${level === '' ? 'empty (Postfix\'s default)' : 'none'}`,
      mainCf: { smtp_tls_security_level: 'may' }, size: 1,
    });
  }
  return fixes.slice(0, limit);
}
