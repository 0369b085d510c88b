import type { FailureClass } from '../logs/types.ts';
import type { RawAction, SenderProfile, SenderTls } from '../scenario/schema.ts';
import { PROTOCOLS, type TlsProtocol } from '../scenario/tls-vocabulary.ts';
import { offeredGroups } from '../senders/profiles.ts';
import type { LoggedFailure } from './failures.ts';

/** A sender that could have produced a logged failure, and why. */
export interface Hypothesis {
  /** Sender name in the reproduction scenario: the profile's name, or probe-... for a tweaked probe. */
  name: string;
  /** The profile it is, or the profile a probe is derived from. */
  profile?: string;
  /** Set for probes: an s_client or Java client with these capabilities, or a raw sender with one misbehaviour. */
  probe?: { toolchain: string; client: 'openssl' | 'java'; tls: SenderTls; starttls?: 'implicit' } | { toolchain: string; client: 'raw'; afterStarttls: RawAction };
  /** For a cipher-family probe: the server's exclusion it offers alone, e.g. RSA+AES. */
  family?: string;
  /** Why it could cause the first failure it is for. */
  why: string;
  /** Why it could cause each failure it is for, by failure key. */
  reasons: Record<string, string>;
  /** Keys of the logged failures this hypothesis is for. */
  failures: string[];
  /** Set when it is sent to a listener other than port 25 (see listeners.ts): its port, and TLS at once there. */
  listener?: { port: number; starttls?: 'implicit' };
}

const PROTOCOL_CLASSES = new Set<FailureClass>(['unknown-protocol', 'unsupported-protocol', 'wrong-version-number', 'version-too-low', 'alert-protocol-version', 'no-suitable-signature-algorithm']);
const CIPHER_CLASSES = new Set<FailureClass>(['no-shared-cipher', 'peer-aborted', 'dh-key-too-small']);

/** What hypotheses may depend on besides the log: the time, and the admin's own certificate when the folder has it. */
export interface HypothesisContext {
  now?: Date;
  /** Set when the receiver serves the admin's own certificate; `hostname` is main.cf's myhostname. */
  ownCertificate?: { hostname?: string };
  /** The admin's certificate is ECDSA, with no RSA one beside it (see `ecdsaOnly`). */
  ecdsaOnly?: boolean;
}

/** The probe for a client that refuses a DH group under 2048 bits, as Debian's OpenSSL does at its default level. */
export const DH_STRICT_PROBE = 'probe-dhe-level2';

/** The probe for a client whose suites all need an RSA certificate. */
const RSA_AUTH_PROBE = 'probe-rsa-auth-only';

/** The probe for a TLS 1.3 client whose only suites are the CCM ones, which OpenSSL servers leave off by default. */
const TLS13_CCM_PROBE = 'probe-tls13-ccm-only';

/**
 * Key-exchange groups of TLS 1.3 clients, by the names of OpenSSL's `-groups` and the aliases a server's list may use
 * for them: the groups nearly every client offers first, and FFDHE, which OpenSSL clients can offer alone.
 */
const CLIENT_GROUPS: { group: string; aliases: string[] }[] = [
  { group: 'X25519', aliases: ['x25519'] },
  { group: 'P-256', aliases: ['p-256', 'prime256v1', 'secp256r1'] },
  { group: 'P-384', aliases: ['p-384', 'secp384r1'] },
  { group: 'ffdhe2048', aliases: ['ffdhe2048'] },
];

/** Postfix's default tls_eecdh_auto_curves (3.2 and later); it replaces OpenSSL's own list, FFDHE included. */
const POSTFIX_DEFAULT_GROUPS = 'X25519 X448 prime256v1 secp521r1 secp384r1';

/**
 * The client groups a server with these settings does not take: tls_eecdh_auto_curves (else Postfix's default) and
 * tls_ffdhe_auto_groups (Postfix 3.8 and later; its default there, ffdhe2048 ffdhe3072, is not assumed).
 */
export function groupsMissing(mainCf: Record<string, string>): string[] {
  const list = `${mainCf.tls_eecdh_auto_curves ?? POSTFIX_DEFAULT_GROUPS} ${mainCf.tls_ffdhe_auto_groups ?? ''}`;
  const have = new Set(list.split(/[\s,:]+/).filter(Boolean).map((g) => g.toLowerCase()));
  return CLIENT_GROUPS.filter(({ aliases }) => !aliases.some((a) => have.has(a))).map(({ group }) => group);
}

/** The legacy-capable client that probes run on: it can offer SSLv3, RC4 and 3DES. */
export const PROBE_TOOLCHAIN = 'debian-bookworm-legacy-openssl';

const range = (tls: SenderTls | undefined): { min: TlsProtocol; max: TlsProtocol } => ({ min: tls?.minProtocol ?? 'TLSv1.2', max: tls?.maxProtocol ?? 'TLSv1.3' });
const below = (a: TlsProtocol, b: TlsProtocol) => PROTOCOLS.indexOf(a) < PROTOCOLS.indexOf(b);

/** Why a sender that stops at `max` can give this protocol failure, in the words of the failure's OpenSSL generation. */
function protocolWhy(failure: LoggedFailure, min: TlsProtocol, max: TlsProtocol): string {
  const offers = min === max ? `only ${max}` : `${min} to ${max}`;
  switch (failure.class) {
    case 'unknown-protocol':
      return failure.error?.generation?.startsWith('1.0') || failure.error?.generation === undefined
        ? `offers ${offers}: on OpenSSL 1.0.x, a server with the client's highest version (${max}) disabled finds no hello it accepts and says "unknown protocol"`
        : `offers ${offers}; on OpenSSL 1.1+/3.x "unknown protocol" means an SSLv2 hello, which only the raw probe sends: expect a near miss`;
    case 'unsupported-protocol':
      return `offers ${offers}: when every one of these is disabled on the server (protocol list, minimum, security level), OpenSSL 1.1+/3.x says "unsupported protocol"`;
    case 'wrong-version-number':
      return `offers ${offers}: on OpenSSL 1.0.x an SSLv3 hello with SSLv3 off and TLS 1.0 on gives "wrong version number"`;
    case 'version-too-low':
      return `offers ${offers}: a server library without a method that old says "version too low"`;
    case 'alert-protocol-version':
      return `offers ${offers}: a peer that rejects the version answers with a protocol_version alert`;
    default:
      return `offers ${offers}: OpenSSL 3.0 cannot sign the key exchange of TLS 1.0/1.1 with SHA-1 at security level 1 or more ("no suitable signature algorithm")`;
  }
}

/** Why a sender with a narrow suite list can give this cipher failure: the server's error, or the client's alert. */
function cipherWhy(failure: LoggedFailure, ciphers: string): string {
  const offers = `offers a narrow suite list ("${ciphers}")`;
  switch (failure.class) {
    case 'no-shared-cipher':
      return `${offers}; if none of it is left by the server's cipher list and key-exchange settings, the server says "${failure.summary}"`;
    case 'peer-aborted':
      return `${offers}; a client that rejects the suite, DH group or certificate the server picks from it ends the handshake with an alert of its own, which the server logs as "${failure.summary}"`;
    default:
      return `${offers}; with few suites, the server's key exchange (its DH group) decides, and a client that finds it too weak ends the handshake ("${failure.summary}")`;
  }
}

/** What a raw probe does on a wrapper-mode listener, where it misbehaves at once instead of after STARTTLS. */
export const RAW_AT_ONCE: Record<RawAction, string> = {
  'plaintext-smtp': 'sends SMTP in plaintext where the ClientHello belongs, as a client set to STARTTLS or to no encryption does on port 465',
  'http-request': 'sends an HTTP request where the ClientHello belongs, as scanners do',
  'sslv2-hello': 'sends a pure SSLv2 CLIENT-HELLO (an ancient stack or a scanner)',
  close: 'connects and hangs up before its hello: the server logs the same lost connection, whatever made a real peer hang up',
  stall: 'connects and sends nothing, as a plaintext client that waits for a greeting does: the server gives up after smtpd_starttls_timeout, shortened in the lab',
  'truncated-hello': 'sends the start of a ClientHello and hangs up',
  'unexpected-message': 'sends a Finished message where the ClientHello belongs, as a broken TLS stack or a rewriting middlebox does',
  'oversized-record': 'sends a TLS record header announcing more than a record may carry',
  'malformed-hello': 'sends a ClientHello too short for its own fields',
};

/** A raw sender as a probe: it reproduces server log lines that no TLS stack produces on purpose. */
function rawProbe(action: RawAction, why: string): Omit<Hypothesis, 'failures' | 'reasons'> {
  return { name: `probe-raw-${action}`, probe: { toolchain: 'debian-bookworm', client: 'raw', afterStarttls: action }, why: `probe: ${why}` };
}

/** The raw probe that sends the kind of bytes a protocol violation's reason names. */
function violationProbe(reason: string): RawAction | undefined {
  if (/packet length too long|data length too long|record layer failure/.test(reason)) return 'oversized-record';
  if (/length|extension|key share/.test(reason)) return 'malformed-hello';
  // A record that fails its integrity check needs a handshake that agreed on keys: no raw probe gets that far.
  return /bad record mac|decryption failed|block cipher/.test(reason) ? undefined : 'unexpected-message';
}

/**
 * Probes for the failures a misbehaving peer causes, by class (and, where it decides, by the logged reason): raw
 * senders, and an s_client that skips STARTTLS.
 */
function misbehaviourProbesFor(failure: LoggedFailure): Omit<Hypothesis, 'failures' | 'reasons'>[] {
  const reason = failure.error?.reason.toLowerCase();
  switch (failure.class) {
    case 'plaintext-after-starttls':
      return [
        ...(reason !== 'http request' ? [rawProbe('plaintext-smtp', 'sends SMTP in plaintext after "220 Ready to start TLS", as a broken client or a proxy does')] : []),
        ...(reason !== 'wrong version number' ? [rawProbe('http-request', 'sends an HTTP request after STARTTLS, as scanners do')] : []),
      ];
    case 'unknown-protocol':
      return [rawProbe('sslv2-hello', 'sends a pure SSLv2 CLIENT-HELLO after STARTTLS (an ancient stack or a scanner)')];
    case 'implicit-tls':
      return [{
        name: 'probe-implicit-tls',
        probe: { toolchain: 'debian-bookworm', client: 'openssl', starttls: 'implicit', tls: {} },
        why: 'probe: starts TLS at once, without STARTTLS, as an SMTPS client pointed at this port does',
      }];
    case 'timeout':
      return [rawProbe('stall', 'says STARTTLS, then sends nothing: the server gives up after smtpd_starttls_timeout, shortened in the lab')];
    case 'protocol-violation': {
      const action = violationProbe(reason ?? '');
      return action === undefined ? [] : [rawProbe(action, RAW_AT_ONCE[action])];
    }
    case 'unexpected-eof':
      return [
        rawProbe('close', 'closes the connection right after STARTTLS: the server logs the same lost connection, whatever made a real peer hang up'),
        rawProbe('truncated-hello', 'sends the start of a ClientHello and hangs up'),
      ];
    default:
      return [];
  }
}

/** Cipher families a server may exclude that a client can offer alone; a probe offers exactly one. */
const OFFERABLE = new Map<string, string>([
  ['RSA+AES', 'kRSA+AES'],
  ['kRSA', 'kRSA'],
  ['RSA', 'kRSA'],
  ['3DES', '3DES'],
  ['DES-CBC3', '3DES'],
  ['RC4', 'RC4'],
  ['AESGCM', 'AESGCM'],
  ['AES128', 'AES128'],
  ['AES256', 'AES256'],
  ['SHA1', 'SHA1'],
  ['CAMELLIA', 'CAMELLIA'],
  ['CAMELLIA128', 'CAMELLIA128'],
  ['CAMELLIA256', 'CAMELLIA256'],
  ['EDH', 'kDHE'],
  ['DHE', 'kDHE'],
  ['kEDH', 'kDHE'],
  ['kDHE', 'kDHE'],
  ['EECDH', 'kECDHE'],
  ['ECDHE', 'kECDHE'],
  ['kEECDH', 'kECDHE'],
  ['kECDHE', 'kECDHE'],
  ['MEDIUM', 'MEDIUM'],
]);

/** Families the server excluded, from the logged cipher list and the admin's exclusions. */
export function excludedFamilies(cipherList: string | undefined, exclusions: string | undefined): string[] {
  const tokens = [...(cipherList ?? '').split(':').filter((t) => t.startsWith('!')).map((t) => t.slice(1)), ...(exclusions ?? '').split(/[\s,:]+/).filter(Boolean).map((t) => t.replace(/^!/, ''))];
  return [...new Set(tokens.filter((t) => OFFERABLE.has(t)))];
}

/** The toolchain whose client runs each kind of certificate probe. */
const PROBE_CLIENTS = { openssl: 'debian-bookworm', java: 'debian-bookworm-java' } as const;

/**
 * Probes for a client's alert about the server's certificate: clients that trust the certificate the receiver
 * serves (so the issuer passes) and reject it for the alert's other causes, as OpenSSL maps them: its end date
 * passed ("certificate expired"), a name it does not carry or a start date still ahead ("bad certificate"); as
 * Java maps them, a name it does not carry ("certificate unknown").
 */
function certificateProbes(reason: string, now: Date, own: HypothesisContext['ownCertificate']): Omit<Hypothesis, 'failures' | 'reasons'>[] {
  const probe = (client: keyof typeof PROBE_CLIENTS, name: string, tls: SenderTls, why: string) => ({
    name, probe: { toolchain: PROBE_CLIENTS[client], client, tls: { verifyCertificate: true, trust: 'receiver' as const, ...tls } }, why: `probe: ${why}`,
  });
  // With the admin's own certificate, first a client that checks it as it is today, by the server's name.
  const today = (client: keyof typeof PROBE_CLIENTS, name: string, who: string) => (own === undefined ? [] : [
    probe(client, name, own.hostname === undefined ? {} : { verifyHostname: own.hostname }, `${who} the issuer of your certificate and checks the rest today${own.hostname === undefined ? '' : `, by the name ${own.hostname}`}, as a client that trusts it does: its dates, name and key usage`),
  ]);
  // "unknown ca" is about the issuer, which these clients trust: the verifying sender with the system CA store checks that.
  if (/unknown ca/.test(reason)) return [];
  if (/certificate unknown/.test(reason)) {
    // JSSE's alert for a chain it cannot build (the Java profile with the system CA store tries that) and for a name the certificate lacks.
    return [
      ...today('java', 'probe-java-today', 'a Java client that trusts'),
      probe('java', 'probe-java-other-name', { verifyHostname: 'other-name.example' }, 'a Java client that trusts the server\'s certificate but checks it by a name it does not carry (an application configured with another name, or one that checks the server\'s identity by its address): JSSE answers "certificate unknown"'),
    ];
  }
  const openssl = today('openssl', 'probe-verify-today', 'trusts');
  if (/certificate expired/.test(reason)) {
    // Eleven years on: after the end of the lab's ten-year certificates and of any a public CA issues.
    const later = new Date(now.getTime() + 11 * 365 * 86_400_000).toISOString().slice(0, 10);
    return [...openssl, probe('openssl', 'probe-verify-expired', { verifyAt: later }, `trusts the server's certificate but checks it as of ${later}, after its end date, as every client does once a certificate has expired (or while Postfix still serves the old one after a renewal): OpenSSL clients answer "certificate expired"`)];
  }
  if (/bad certificate/.test(reason)) {
    return [
      ...openssl,
      probe('openssl', 'probe-verify-other-name', { verifyHostname: 'other-name.example' }, 'trusts the server\'s certificate but connected by a name it does not carry (as a webmail connecting to localhost, or clients using an MX or submission name missing from the certificate): OpenSSL clients answer "bad certificate"'),
      probe('openssl', 'probe-verify-not-yet-valid', { verifyAt: '2000-01-01' }, 'trusts the server\'s certificate but checks it as of 2000-01-01, before its start date, as a client with a wrong clock does: OpenSSL clients answer "bad certificate"'),
    ];
  }
  return openssl;
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * Senders that could cause each logged failure: every profile whose capabilities fit the failure
 * class (a protocol range that stops below the newest versions for protocol failures; a narrow
 * cipher list for cipher failures), plus probes for capabilities no profile has (each protocol
 * range that stops below TLS 1.2; each cipher family the server excludes, offered alone).
 */
export function formHypotheses(
  failures: readonly LoggedFailure[],
  profiles: ReadonlyMap<string, SenderProfile>,
  adminMainCf: Record<string, string> = {},
  context: HypothesisContext = {},
): Hypothesis[] {
  const now = context.now ?? new Date();
  const byName = new Map<string, Hypothesis>();
  const add = (h: Omit<Hypothesis, 'failures' | 'reasons'>, failure: LoggedFailure) => {
    const known = byName.get(h.name);
    if (known) {
      if (!known.failures.includes(failure.key)) {
        known.failures.push(failure.key);
        known.reasons[failure.key] = h.why;
      }
      return;
    }
    byName.set(h.name, { ...h, reasons: { [failure.key]: h.why }, failures: [failure.key] });
  };
  for (const failure of failures) {
    const misbehaving = misbehaviourProbesFor(failure);
    for (const probe of misbehaving) add(probe, failure);
    if (misbehaving.length > 0 && failure.class !== 'unknown-protocol') continue;
    const candidates = [...profiles.values()].filter((p) => p.client !== 'postfix');
    if (PROTOCOL_CLASSES.has(failure.class)) {
      const ranges = new Set<string>();
      for (const profile of candidates) {
        const { min, max } = range(profile.tls);
        if (!below(max, 'TLSv1.2')) continue;
        if (failure.class === 'wrong-version-number' || failure.class === 'version-too-low') {
          if (min !== 'SSLv3') continue;
        }
        ranges.add(`${min}-${max}`);
        add({ name: profile.name, profile: profile.name, why: protocolWhy(failure, min, max) }, failure);
      }
      for (const max of PROTOCOLS.filter((p) => below(p, 'TLSv1.2'))) {
        const min: TlsProtocol = max === 'SSLv3' ? 'SSLv3' : 'TLSv1';
        if (ranges.has(`${min}-${max}`) || ranges.has(`SSLv3-${max}`)) continue;
        add({ name: `probe-${slug(min)}-to-${slug(max)}`, probe: { toolchain: PROBE_TOOLCHAIN, client: 'openssl', tls: { minProtocol: min, maxProtocol: max, ciphers: 'ALL:@SECLEVEL=0' } }, why: `probe (no profile has this range): ${protocolWhy(failure, min, max)}` }, failure);
      }
      continue;
    }
    if (CIPHER_CLASSES.has(failure.class)) {
      for (const profile of candidates) {
        if (profile.tls?.ciphers === undefined || /^(ALL|DEFAULT|HIGH)\b/.test(profile.tls.ciphers)) continue;
        const { max } = range(profile.tls);
        if (max === 'TLSv1.3') continue;
        add({ name: profile.name, profile: profile.name, why: cipherWhy(failure, profile.tls.ciphers) }, failure);
      }
      // OpenSSL 1.1.1 picks the TLS 1.3 suite in tls_early_post_process_client_hello, the older ones after it.
      const func = failure.error?.func?.toLowerCase();
      const tls13Possible = !failure.error?.generation?.startsWith('1.0') && (func === undefined || func === '' || func === 'tls_early_post_process_client_hello');
      if (failure.class === 'no-shared-cipher' && tls13Possible) {
        add({
          name: TLS13_CCM_PROBE, probe: { toolchain: 'debian-bookworm', client: 'openssl', tls: { minProtocol: 'TLSv1.3', ciphersuites: 'TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256' } },
          why: 'probe: offers TLS 1.3 with only the CCM suites, as scanners and some embedded stacks do; OpenSSL servers enable the GCM and ChaCha20 ones alone, and OpenSSL 1.1.1 says "no shared cipher" in tls_early_post_process_client_hello',
        }, failure);
      }
      if (failure.class === 'no-shared-cipher' && context.ecdsaOnly === true) {
        add({
          name: RSA_AUTH_PROBE, probe: { toolchain: PROBE_TOOLCHAIN, client: 'openssl', tls: { maxProtocol: 'TLSv1.2', ciphers: 'aRSA:!aNULL:!eNULL:@SECLEVEL=0' } },
          why: 'probe: offers only RSA-authenticated suites (RSA key exchange, ECDHE-RSA, DHE-RSA), as older Exchange and Windows servers, Java 7 and iOS 9 do; against a server with an ECDSA certificate alone there is none it can use',
        }, failure);
      }
      if (failure.class === 'peer-aborted' && /alert handshake failure/i.test(failure.error?.reason ?? '')) {
        add({
          name: DH_STRICT_PROBE, probe: { toolchain: 'debian-bookworm', client: 'openssl', tls: { maxProtocol: 'TLSv1.2', ciphers: 'kDHE:!aNULL:!eNULL' } },
          why: 'probe: offers only DHE suites at security level 2, Debian\'s default; a client like it refuses a DH group under 2048 bits ("dh key too small") with a handshake_failure alert',
        }, failure);
      }
      for (const family of excludedFamilies(failure.cipherList, adminMainCf.smtpd_tls_exclude_ciphers)) {
        const ciphers = `${OFFERABLE.get(family)}:!aNULL:!eNULL:@SECLEVEL=0`;
        add({ name: `probe-only-${slug(family)}`, family, probe: { toolchain: PROBE_TOOLCHAIN, client: 'openssl', tls: { maxProtocol: 'TLSv1.2', ciphers } }, why: `probe: offers only ${family} suites, which the server's list excludes (!${family}); a sender that relies on them gets "${failure.summary}"` }, failure);
      }
      continue;
    }
    if (failure.class === 'certificate-verification' && failure.direction === 'inbound') {
      for (const probe of certificateProbes(failure.error?.reason ?? '', now, context.ownCertificate)) add(probe, failure);
      const verifying = candidates.filter((p) => p.tls?.verifyCertificate === true);
      for (const profile of verifying) {
        const why = profile.client === 'java'
          ? 'verifies the certificate chain, as Java applications (JavaMail) do by default: against a certificate it cannot verify JSSE ends the handshake with "certificate unknown"'
          : profile.client === 'go'
            ? 'verifies the certificate chain and the server\'s name (in a subjectAltName only), as Go\'s crypto/tls does by default: against a certificate it cannot verify it ends the handshake with "bad certificate"'
            : 'requires a certificate it can verify, as an MTA-STS policy in enforce mode, DANE or a "TLS required" connector does: against a certificate it cannot verify it ends the handshake with an alert of its own (OpenSSL\'s is "unknown ca")';
        add({ name: profile.name, profile: profile.name, why }, failure);
      }
      if (verifying.length > 0) continue;
    }
    if (failure.class === 'client-certificate' && failure.direction === 'inbound') {
      // Any sender reproduces a server that requires client certificates: take clients that complete a handshake with
      // most servers and do not retry in plaintext on their own (as Exim and Sendmail may).
      const plain = candidates.filter((p) => p.client !== 'exim' && p.client !== 'sendmail' && p.starttls !== 'none' && p.tls?.verifyCertificate !== true && p.tls?.minProtocol === undefined && p.tls?.maxProtocol === undefined && p.tls?.ciphers === undefined);
      for (const profile of plain.slice(0, 2)) {
        add({ name: profile.name, profile: profile.name, why: 'presents no client certificate, as nearly every sender on the Internet: a server that requires one refuses it' }, failure);
      }
      continue;
    }
    if (failure.class === 'no-shared-group') {
      for (const profile of candidates) {
        const groups = offeredGroups(profile);
        if (groups === undefined || range(profile.tls).max !== 'TLSv1.3') continue;
        add({ name: profile.name, profile: profile.name, why: `offers TLS 1.3 with the groups ${groups} alone: a server that takes none of them has no key share to agree on ("${failure.summary}")` }, failure);
      }
      for (const group of groupsMissing(adminMainCf)) {
        add({
          name: `probe-tls13-group-${slug(group)}`, probe: { toolchain: 'debian-bookworm', client: 'openssl', tls: { minProtocol: 'TLSv1.3', groups: group } },
          why: `probe: offers TLS 1.3 with the key-exchange group ${group} alone, which the server's groups (${adminMainCf.tls_eecdh_auto_curves ?? `Postfix's default, ${POSTFIX_DEFAULT_GROUPS}`}) leave out: OpenSSL servers say "no suitable key share"`,
        }, failure);
      }
      continue;
    }
    if (failure.class === 'inappropriate-fallback') {
      for (const profile of candidates.filter((p) => p.tls?.fallbackScsv === true)) {
        add({ name: profile.name, profile: profile.name, why: `retries at ${range(profile.tls).max} and says so with TLS_FALLBACK_SCSV: a server that speaks a higher version refuses it with "inappropriate fallback"` }, failure);
      }
      continue;
    }
    for (const profile of candidates.slice(0, 6)) {
      add({ name: profile.name, profile: profile.name, why: `the log does not narrow "${failure.summary}" to a capability; tried as a representative sender` }, failure);
    }
  }
  return [...byName.values()];
}
