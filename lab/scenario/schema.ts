import { z } from 'zod';
import { DEFAULT_SERVICES, servesPort } from './services.ts';
import { protocolSchema } from './tls-vocabulary.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,40}$/, 'lower-case letters, digits, dots and dashes, at most 41 characters');

/** A main.cf parameter name; a service's own parameters carry its master.cf name (`policyd-spf_time_limit`). */
const MAIN_CF_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** A main.cf value as postconf takes it; numbers and booleans are written the way Postfix spells them. */
const mainCfValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)));

/** A date as `Date.parse` reads it (2020-01-01, or a full ISO time). */
const dateText = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'expected a date, e.g. 2020-01-01');

export const certificateSchema = z
  .object({
    /** Key types of generated self-signed certificates. Default: [rsa] (RSA 2048). */
    generate: z.array(z.enum(['rsa', 'ecdsa'])).min(1).optional(),
    /** A certificate and key of your own, PEM files relative to the scenario file. */
    cert: z.string().optional(),
    key: z.string().optional(),
    /**
     * `lab-ca`: a certificate from the lab's own CA (RSA 2048, through an issuing CA). The root is in the system CA
     * bundle (/etc/ssl/certs/ca-certificates.crt) of every container of the scenario, as a public CA's is, so it
     * verifies wherever that bundle is trusted: with its chain, by its names, while valid. The fields below shape it.
     */
    issuer: z.literal('lab-ca').optional(),
    /** lab-ca: the DNS names it carries. Default: the host name of its container. */
    names: z.array(z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9.-]*$/, 'a DNS name')).min(1).optional(),
    /** lab-ca: its validity, as dates (e.g. 2020-01-01). Default: from a day ago to a year on. */
    notBefore: dateText.optional(),
    notAfter: dateText.optional(),
    /** lab-ca: `full` serves the issuing CA after it (default); `leaf` serves it alone, as a server missing its intermediate does. */
    chain: z.enum(['full', 'leaf']).optional(),
  })
  .strict()
  .refine((c) => (c.cert === undefined) === (c.key === undefined), { message: 'give both "cert" and "key", or neither', path: ['cert'] })
  .refine((c) => !(c.cert !== undefined && c.generate !== undefined), { message: 'give either "generate" or "cert"/"key"', path: ['generate'] })
  .superRefine((c, ctx) => {
    if (c.issuer !== undefined && (c.cert !== undefined || c.generate !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'give one of "generate", "cert"/"key" and "issuer"' });
    }
    for (const key of ['names', 'notBefore', 'notAfter', 'chain'] as const) {
      if (c[key] !== undefined && c.issuer === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} shapes a certificate from the lab's CA: add "issuer: lab-ca"` });
    }
  });

/** Files copied into a Postfix container, by name: a path relative to the scenario file. */
const filesSchema = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a file name'), z.string().min(1)).default({});

export const receiverSchema = z
  .object({
    /** Toolchain file name under images/toolchains. Default: debian-bookworm. */
    toolchain: z.string().default('debian-bookworm'),
    /** main.cf parameters, applied with `postconf -e` after the lab's defaults. */
    mainCf: z.record(z.string().regex(MAIN_CF_NAME, 'a main.cf parameter name'), mainCfValue).default({}),
    /** Whole master.cf entries; each replaces the entry with the same service and type, or is added. */
    masterCf: z.array(z.string().regex(/^\S+\s+(inet|unix|fifo|pass|unix-dgram)\s/, 'a master.cf entry: "service type private unpriv chroot wakeup maxproc command [args]"')).default([]),
    certificate: certificateSchema.default({}),
    /**
     * Lookup tables written to /etc/postfix/<file> (then `postmap`ed unless the name ends in .cidr
     * or .pcre). `{{sender:NAME}}` in a key or value becomes that sender's IP address.
     */
    maps: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a file name'), z.record(z.string(), z.string())).default({}),
    /**
     * Files of your own (DH parameters, CA bundles, extra certificates), each copied to
     * /lab/receiver/files/<name>; the value is a path relative to the scenario file. Point main.cf there.
     */
    files: filesSchema,
  })
  .strict();

export const DESTINATION_SERVERS = ['postfix', 'exim', 'raw'] as const;

/**
 * What a raw destination does after its `220` to STARTTLS: `plaintext-reply` answers the client's hello with an
 * SMTP error in plaintext, as a proxy or firewall that does not speak TLS does; `close` hangs up; `stall` says
 * nothing until the client gives up (set the receiver's smtp_starttls_timeout below the scenario's timeout);
 * `unexpected-message` answers the hello with a Finished message where the ServerHello belongs, as a broken TLS
 * stack or a middlebox that rewrites the session does.
 */
export const RAW_SERVER_ACTIONS = ['plaintext-reply', 'close', 'stall', 'unexpected-message'] as const;

/** The toolchain of a destination that names none. */
export function defaultDestinationToolchain(server: (typeof DESTINATION_SERVERS)[number]): string {
  return server === 'exim' ? 'debian-bookworm-exim' : 'debian-bookworm';
}

/** A destination server the Postfix under test sends to (outbound direction). */
export const destinationSchema = z
  .object({
    name,
    description: z.string().optional(),
    /**
     * The SMTP server: Postfix, shaped by `mainCf`, or Exim with GnuTLS, shaped by `gnutlsPriority`. Exim plays
     * servers that no OpenSSL build can, such as one without RFC 5746 secure renegotiation. `raw` is a scripted
     * server with no TLS stack that offers STARTTLS, then misbehaves (`afterStarttls`); it takes mail in plaintext.
     */
    server: z.enum(DESTINATION_SERVERS).default('postfix'),
    /** The destination's toolchain. Default: debian-bookworm, or debian-bookworm-exim for an Exim server. */
    toolchain: z.string().optional(),
    /** The destination's own main.cf: its smtpd TLS capabilities (Postfix only). */
    mainCf: z.record(z.string().regex(MAIN_CF_NAME, 'a main.cf parameter name'), mainCfValue).default({}),
    /**
     * Exim only: the GnuTLS priority string of its TLS server (Exim's tls_require_ciphers), e.g.
     * `NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION` for a server without secure renegotiation, or
     * `NORMAL:-VERS-ALL:+VERS-TLS1.0` for one that stops at TLS 1.0. Default: GnuTLS's own.
     */
    gnutlsPriority: z.string().min(1).regex(/^[A-Za-z0-9%:+_.!-]+$/, 'a GnuTLS priority string (letters, digits and %:+-_.!)').optional(),
    /**
     * Exim only: require a client certificate from a CA in the system bundle in the handshake itself
     * (tls_verify_hosts = *), as mutual-TLS partner gateways do; a client without one gets a fatal alert.
     */
    requireClientCertificate: z.boolean().optional(),
    /**
     * The receiver's master.cf transport that delivers to this destination. Default: smtp. Define another in
     * `receiver.masterCf` (e.g. `legacy unix - - n - - smtp -o tls_ssl_options=LEGACY_SERVER_CONNECT`) to try
     * settings for this destination alone.
     */
    transport: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'a master.cf service name').default('smtp'),
    /**
     * Postfix only: the port it serves the message on. Default: 25. 465 is its smtps service (wrapper mode: TLS at
     * once; send there through a transport with smtp_tls_wrappermode=yes), 587 its submission service (STARTTLS
     * required).
     */
    port: z.union([z.literal(25), z.literal(465), z.literal(587)]).default(25),
    /** Raw only (and required there): what it does after its `220` to STARTTLS. */
    afterStarttls: z.enum(RAW_SERVER_ACTIONS).optional(),
    /**
     * Another Postfix destination of this scenario that takes this destination's mail as well, as a domain's second
     * MX does: the receiver's next hop for this destination is the list of the two, this one first (Postfix 3.5 and
     * later read such a list in transport_maps). When this one fails, the receiver goes on to the backup; expect
     * that with `via`.
     */
    backup: z.string().optional(),
    certificate: certificateSchema.default({}),
    /** Postfix only: files copied to /lab/receiver/files/<name> in the destination (e.g. DH parameters for its mainCf). */
    files: filesSchema,
    /** What the Postfix under test should get when it sends to this destination. */
    expect: z.lazy(() => expectationSchema),
  })
  .strict();

export const senderTlsSchema = z
  .object({
    /** Lowest and highest protocol the sender offers. Default: what its TLS stack allows. */
    minProtocol: protocolSchema.optional(),
    maxProtocol: protocolSchema.optional(),
    /** OpenSSL cipher string for TLS 1.2 and older, in preference order. */
    ciphers: z.string().min(1).optional(),
    /** TLS 1.3 cipher suites (OpenSSL names, colon-separated). */
    ciphersuites: z.string().min(1).optional(),
    /** Supported groups / curves, colon-separated (e.g. X25519:P-256). */
    groups: z.string().min(1).optional(),
    /**
     * Mark the hello with TLS_FALLBACK_SCSV (RFC 7507), as a client does when it retries at a lower version
     * after a failed attempt. openssl client only.
     */
    fallbackScsv: z.boolean().optional(),
    /**
     * Abort the handshake unless the server's certificate chains to the client's CA store (s_client
     * -verify_return_error), as a sender whose policy requires a valid certificate does (MTA-STS, a "TLS
     * required" connector). The lab's receivers present self-signed certificates unless given your own.
     * openssl client only.
     */
    verifyCertificate: z.boolean().optional(),
    /**
     * What a verifying sender trusts: its system CA store (default), or the certificates the receiver serves, as
     * if a CA it knows had issued them. With `receiver` the issuer passes, and what else a client checks decides:
     * the dates, the name. OpenSSL 1.0.2 and later.
     */
    trust: z.enum(['system', 'receiver']).optional(),
    /** The name a verifying sender expects the certificate to carry (s_client -verify_hostname), as a client that connected by that name does. */
    verifyHostname: z.string().regex(/^[A-Za-z0-9.*-]+$/, 'expected a host name').optional(),
    /**
     * Verify as of this date (s_client -attime) rather than now: a date after the certificate's end meets it
     * expired, one before its start meets it not yet valid, as a client whose clock is that far off would.
     */
    verifyAt: dateText.optional(),
  })
  .strict()
  .refine((t) => t.minProtocol === undefined || t.maxProtocol === undefined || protocolSchema.options.indexOf(t.minProtocol) <= protocolSchema.options.indexOf(t.maxProtocol), {
    message: 'minProtocol is above maxProtocol',
    path: ['minProtocol'],
  });

const protocolOrList = z.union([protocolSchema, z.array(protocolSchema).min(1)]);

const fateSchema = z.enum(['delivered', 'deferred', 'bounced', 'rejected', 'not-sent']);

export const expectationSchema = z.discriminatedUnion('outcome', [
  z
    .object({
      outcome: z.literal('tls'),
      protocol: protocolOrList.optional(),
      cipher: z.string().optional(),
      /** Outbound, for a destination with a `backup`: the message ends at the backup, not at this destination. */
      via: z.string().optional(),
      /** The message's final fate. Default: delivered. */
      fate: fateSchema.optional(),
    })
    .strict(),
  z
    .object({
      outcome: z.literal('plaintext'),
      /** For a real MTA: true when the plaintext delivery must follow a failed TLS attempt. */
      afterTlsFailure: z.boolean().optional(),
      /** As for `tls`: the message ends at this destination's backup. */
      via: z.string().optional(),
      fate: fateSchema.optional(),
    })
    .strict(),
  z
    .object({
      outcome: z.literal('handshake-failed'),
      /** Text that the server's error line must contain, e.g. "no shared cipher". */
      serverError: z.string().optional(),
      /** The lab's failure class, e.g. no-shared-cipher (see `tlslab logs`). */
      failureClass: z.string().optional(),
      fate: fateSchema.optional(),
    })
    .strict(),
  z.object({
    outcome: z.literal('refused'),
    /** Text that the server's reply must contain, e.g. "Must issue a STARTTLS command first". */
    reply: z.string().optional(),
    /** The lab's failure class when the server refused for a TLS reason after the handshake, e.g. certificate-verification. */
    failureClass: z.string().optional(),
    fate: fateSchema.optional(),
  }).strict(),
]);

/**
 * swaks, openssl s_client, java (a Java application's JSSE client) and go (a Go mailer's crypto/tls client) send one
 * message once; postfix, exim and sendmail are real MTAs that queue, retry and fall back to plaintext (or not) as they
 * do in production; raw is a scripted peer with no TLS stack that misbehaves after STARTTLS the way broken clients,
 * proxies and scanners do.
 */
export const CLIENTS = ['swaks', 'openssl', 'java', 'go', 'postfix', 'exim', 'sendmail', 'raw'] as const;

/**
 * What a raw sender does once the server said "220 Ready to start TLS": EHLO in plaintext, an HTTP
 * request, a pure SSLv2 CLIENT-HELLO, close the connection, send nothing, the first bytes of a
 * TLS ClientHello and then close, or TLS that breaks the protocol: a Finished message first, a record
 * header announcing 65535 bytes, a ClientHello too short for its fields.
 */
export const RAW_ACTIONS = [
  'plaintext-smtp', 'http-request', 'sslv2-hello', 'close', 'stall', 'truncated-hello', 'unexpected-message', 'oversized-record', 'malformed-hello',
] as const;

/** What a sender can do, shared by sender profiles and scenario senders. */
const senderCapabilities = {
  description: z.string().optional(),
  /** Toolchain whose client runs this sender. Default: debian-bookworm. */
  toolchain: z.string().optional(),
  client: z.enum(CLIENTS).optional(),
  /**
   * required: fail unless TLS is negotiated; optional: STARTTLS when offered, else plaintext;
   * none: never STARTTLS; implicit: TLS at once, without STARTTLS, as an SMTPS client pointed at this port
   * (every client but exim and sendmail; sendmail takes optional and none only). Default: required for swaks, s_client,
   * java and go, optional for an MTA.
   */
  starttls: z.enum(['required', 'optional', 'none', 'implicit']).optional(),
  tls: senderTlsSchema.optional(),
  /** client: raw only: what it sends after the server's 220 to STARTTLS. */
  afterStarttls: z.enum(RAW_ACTIONS).optional(),
  /** main.cf settings of a sender that is a real Postfix MTA (client: postfix). Exim runs Debian's defaults. */
  mainCf: z.record(z.string().regex(MAIN_CF_NAME, 'a main.cf parameter name'), mainCfValue).optional(),
  /**
   * sendmail.cf options of a sender that is a real Sendmail (client: sendmail), as its -O takes them, e.g.
   * `TLSFallbacktoClear: "true"` (8.16 and later: resend in clear at once after a failed handshake).
   */
  sendmailOptions: z.record(z.string().regex(/^[A-Z][A-Za-z0-9.]*$/, 'a sendmail.cf option name, e.g. TLSFallbacktoClear'), z.string().regex(/^[^\n]*$/, 'one line')).optional(),
};

export const evidenceSchema = z.union([
  z.literal('synthetic'),
  z
    .object({
      /** Where the claim comes from: a document, a measurement, a report. */
      sources: z.array(z.string()).min(1),
      /** Capabilities a source states outright. */
      verified: z.array(z.string()).default([]),
      /** Capabilities the profile assumes from indirect evidence. */
      inferred: z.array(z.string()).default([]),
    })
    .strict(),
]);

/** A kind of sender in the real world, one file per profile in scenarios/senders/. */
export const senderProfileSchema = z
  .object({
    name,
    ...senderCapabilities,
    description: z.string().min(1),
    evidence: evidenceSchema,
    /**
     * false: a behaviour rather than a peer (a retry that fails on every modern server by design). `reproduce`
     * still tries it as a hypothesis; the population that `validate` and `reproduce` run against leaves it out.
     */
    population: z.boolean().default(true),
  })
  .strict();

export const senderSchema = z
  .object({
    /** Default: the profile's name. */
    name: name.optional(),
    /** A sender profile (scenarios/senders/<profile>.yaml) whose capabilities this sender takes. */
    profile: z.string().optional(),
    ...senderCapabilities,
    /**
     * The receiver's port this sender connects to. Default: 25. Without a receiver.masterCf entry for it, 465 is
     * served as Postfix's smtps service (wrapper mode: TLS at once) and 587 as its submission service (STARTTLS
     * required); other ports need an entry.
     */
    port: z.number().int().min(1).max(65535).optional(),
    message: z
      .object({ from: z.string().optional(), to: z.string().optional(), subject: z.string().optional(), body: z.string().optional() })
      .strict()
      .default({}),
    expect: expectationSchema,
  })
  .strict()
  .refine((s) => s.name !== undefined || s.profile !== undefined, { message: 'give a "name" or a "profile"', path: ['name'] });

export const scenarioSchema = z
  .object({
    name,
    description: z.string().default(''),
    receiver: receiverSchema,
    senders: z.array(senderSchema).default([]),
    /** Text each of which must appear in one of Postfix's configuration warnings (see the report). */
    expectReceiverWarnings: z.array(z.string().min(1)).default([]),
    /** Destinations the receiver, as the Postfix under test, sends one message to each. */
    outbound: z.array(destinationSchema).default([]),
    /** Seconds to wait for each phase (readiness, at least 60; a sender's session; log settling). Default: 30. */
    timeoutSeconds: z.number().int().positive().max(3600).default(30),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    if (scenario.senders.length === 0 && scenario.outbound.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['senders'], message: 'give at least one sender or one outbound destination' });
    }
    scenario.senders.forEach((sender, index) => {
      if ('via' in sender.expect && sender.expect.via !== undefined) ctx.addIssue({ code: 'custom', path: ['senders', index, 'expect', 'via'], message: 'via is for outbound destinations with a backup' });
      if (sender.port === undefined || sender.port === 25 || !(sender.port >= 1 && sender.port <= 65535) || servesPort(scenario.receiver.masterCf, sender.port) || DEFAULT_SERVICES.has(sender.port)) return;
      ctx.addIssue({ code: 'custom', path: ['senders', index, 'port'], message: `no "inet" service on port ${sender.port} in receiver.masterCf (25, 465 and 587 need none); add e.g. "${sender.port} inet n - n - - smtpd"` });
    });
    const transports = new Set(scenario.receiver.masterCf.flatMap((entry) => (/^(\S+)\s+unix\s/.exec(entry)?.[1] ?? [])));
    scenario.outbound.forEach((destination, index) => {
      for (const issue of destinationIssues(destination)) ctx.addIssue({ code: 'custom', path: ['outbound', index, ...issue.path], message: issue.message });
      if (destination.transport !== 'smtp' && !transports.has(destination.transport)) {
        ctx.addIssue({ code: 'custom', path: ['outbound', index, 'transport'], message: `no "${destination.transport} unix" entry in receiver.masterCf` });
      }
      for (const issue of backupIssues(scenario.outbound, index)) ctx.addIssue({ code: 'custom', path: ['outbound', index, ...issue.path], message: issue.message });
    });
    const seen = new Map<string, number>();
    scenario.senders.forEach((sender, index) => {
      const senderName = sender.name ?? sender.profile ?? '';
      const first = seen.get(senderName);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['senders', index, 'name'], message: `"${senderName}" is already the name of senders[${first}]` });
      } else {
        seen.set(senderName, index);
      }
    });
  })
  .transform((scenario) => ({
    ...scenario,
    outbound: scenario.outbound.map((destination) => ({ ...destination, toolchain: destination.toolchain ?? defaultDestinationToolchain(destination.server) })),
  }));

/** A backup names another Postfix destination of the scenario; `via` names the destination's backup. */
function backupIssues(outbound: readonly { name: string; server: string; backup?: string | undefined; expect: { outcome: string; via?: string } }[], index: number): { path: (string | number)[]; message: string }[] {
  const destination = outbound[index]!;
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (destination.backup !== undefined) {
    const backup = outbound.find((d) => d.name === destination.backup);
    const names = outbound.filter((d) => d !== destination).map((d) => d.name);
    if (destination.backup === destination.name) issues.push({ path: ['backup'], message: 'a destination cannot be its own backup' });
    else if (backup === undefined) issues.push({ path: ['backup'], message: `no outbound destination is named "${destination.backup}"${names.length ? ` (there are: ${names.join(', ')})` : ''}` });
    else if (backup.server !== 'postfix') issues.push({ path: ['backup'], message: `the backup "${backup.name}" is ${backup.server}; a backup must be a Postfix destination, which takes the mail of another` });
  }
  const via = destination.expect.via;
  if (via !== undefined && via !== destination.backup) {
    issues.push({ path: ['expect', 'via'], message: destination.backup === undefined ? 'via needs a backup on this destination' : `via must name this destination's backup, "${destination.backup}"` });
  }
  return issues;
}

/** What a destination's fields cannot be together: Postfix settings on Exim or a raw server, or the reverse. */
function destinationIssues(destination: {
  server: string; mainCf: Record<string, unknown>; gnutlsPriority?: string | undefined; afterStarttls?: string | undefined; certificate?: unknown; files?: Record<string, string> | undefined;
  port?: number | undefined; requireClientCertificate?: boolean | undefined;
}): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const kind = destination.server === 'exim' ? 'an Exim destination' : 'a raw destination';
  if (destination.server !== 'postfix' && destination.port !== undefined && destination.port !== 25) {
    issues.push({ path: ['port'], message: `${kind} serves port 25 only; a Postfix destination serves 465 and 587 too` });
  }
  if (destination.server !== 'postfix' && Object.keys(destination.mainCf).length > 0) {
    issues.push({ path: ['mainCf'], message: `${kind} has no main.cf; ${destination.server === 'exim' ? 'shape its TLS with gnutlsPriority' : 'choose its behaviour with afterStarttls'}` });
  }
  if (destination.server !== 'postfix' && Object.keys(destination.files ?? {}).length > 0) {
    issues.push({ path: ['files'], message: `${kind} takes no files: they are for a Postfix destination's mainCf` });
  }
  if (destination.server !== 'postfix' && destination.certificate !== undefined && Object.keys(destination.certificate as object).length > 0) {
    issues.push({ path: ['certificate'], message: destination.server === 'exim' ? 'an Exim destination makes its own self-signed certificate' : 'a raw destination has no TLS stack, so no certificate' });
  }
  if (destination.server !== 'exim' && destination.gnutlsPriority !== undefined) {
    issues.push({ path: ['gnutlsPriority'], message: `gnutlsPriority is for an Exim destination (server: exim)${destination.server === 'postfix' ? '; a Postfix one takes mainCf' : ''}` });
  }
  if (destination.server !== 'exim' && destination.requireClientCertificate !== undefined) {
    issues.push({ path: ['requireClientCertificate'], message: `requireClientCertificate is for an Exim destination (server: exim)${destination.server === 'postfix' ? '; a Postfix one takes mainCf (smtpd_tls_req_ccert, which refuses after the handshake)' : ''}` });
  }
  if (destination.server === 'raw' && destination.afterStarttls === undefined) {
    issues.push({ path: ['afterStarttls'], message: `a raw destination needs afterStarttls: one of ${RAW_SERVER_ACTIONS.join(', ')}` });
  }
  if (destination.server !== 'raw' && destination.afterStarttls !== undefined) {
    issues.push({ path: ['afterStarttls'], message: 'afterStarttls is for a raw destination (server: raw)' });
  }
  return issues;
}

/** A scenario as written in a file (defaults not yet applied). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof scenarioSchema>;
/** A sender as written in a scenario: its own fields and, maybe, a profile to take the rest from. */
export type SenderInput = z.output<typeof senderSchema>;
export type SenderProfile = z.output<typeof senderProfileSchema>;
export type Evidence = z.output<typeof evidenceSchema>;
export type SenderClient = (typeof CLIENTS)[number];
export type RawAction = (typeof RAW_ACTIONS)[number];
export type RawServerAction = (typeof RAW_SERVER_ACTIONS)[number];

/** A sender with its profile applied and every default filled in: what the runner starts. */
export interface SenderSpec {
  name: string;
  description?: string;
  profile?: string;
  evidence?: Evidence;
  toolchain: string;
  client: SenderClient;
  /** client: one attempt, one outcome; mta: a real MTA that queues, retries and falls back. */
  delivery: 'client' | 'mta';
  starttls: 'required' | 'optional' | 'none' | 'implicit';
  /** The receiver's port it connects to. */
  port: number;
  tls: SenderTls;
  /** Set for client: raw. */
  afterStarttls?: RawAction;
  mainCf: Record<string, string>;
  /** client: sendmail only. */
  sendmailOptions: Record<string, string>;
  message: SenderInput['message'];
  expect: Expectation;
}
export type ReceiverSpec = z.output<typeof receiverSchema>;
/** A destination with every default filled in, its toolchain included. */
export type DestinationSpec = Scenario['outbound'][number];
export type Expectation = z.output<typeof expectationSchema>;
export type SenderTls = z.output<typeof senderTlsSchema>;
