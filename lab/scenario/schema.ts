import { z } from 'zod';
import { protocolSchema } from './tls-vocabulary.ts';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes, at most 41 characters');

/** A main.cf value as postconf takes it; numbers and booleans are written the way Postfix spells them. */
const mainCfValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)));

export const certificateSchema = z
  .object({
    /** Key types of generated self-signed certificates. Default: [rsa] (RSA 2048). */
    generate: z.array(z.enum(['rsa', 'ecdsa'])).min(1).optional(),
    /** A certificate and key of your own, PEM files relative to the scenario file. */
    cert: z.string().optional(),
    key: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.cert === undefined) === (c.key === undefined), { message: 'give both "cert" and "key", or neither', path: ['cert'] })
  .refine((c) => !(c.cert !== undefined && c.generate !== undefined), { message: 'give either "generate" or "cert"/"key"', path: ['generate'] });

export const receiverSchema = z
  .object({
    /** Toolchain file name under images/toolchains. Default: debian-bookworm. */
    toolchain: z.string().default('debian-bookworm'),
    /** main.cf parameters, applied with `postconf -e` after the lab's defaults. */
    mainCf: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a main.cf parameter name'), mainCfValue).default({}),
    /** Whole master.cf entries; each replaces the entry with the same service and type, or is added. */
    masterCf: z.array(z.string().regex(/^\S+\s+(inet|unix|fifo|pass|unix-dgram)\s/, 'a master.cf entry: "service type private unpriv chroot wakeup maxproc command [args]"')).default([]),
    certificate: certificateSchema.default({}),
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
  })
  .strict()
  .refine((t) => t.minProtocol === undefined || t.maxProtocol === undefined || protocolSchema.options.indexOf(t.minProtocol) <= protocolSchema.options.indexOf(t.maxProtocol), {
    message: 'minProtocol is above maxProtocol',
    path: ['minProtocol'],
  });

const protocolOrList = z.union([protocolSchema, z.array(protocolSchema).min(1)]);

export const expectationSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('tls'), protocol: protocolOrList.optional(), cipher: z.string().optional() }).strict(),
  z.object({ outcome: z.literal('plaintext') }).strict(),
  z
    .object({
      outcome: z.literal('handshake-failed'),
      /** Text that the server's error line must contain, e.g. "no shared cipher". */
      serverError: z.string().optional(),
      /** The lab's failure class, e.g. no-shared-cipher (see `tlslab logs`). */
      failureClass: z.string().optional(),
    })
    .strict(),
  z.object({ outcome: z.literal('refused'), reply: z.string().optional() }).strict(),
]);

export const senderSchema = z
  .object({
    name,
    description: z.string().optional(),
    /** Toolchain whose client runs this sender. Default: debian-bookworm. */
    toolchain: z.string().default('debian-bookworm'),
    client: z.enum(['swaks', 'openssl']).default('swaks'),
    /**
     * required: fail unless TLS is negotiated; optional: STARTTLS when offered, else plaintext;
     * none: never STARTTLS. Default: required.
     */
    starttls: z.enum(['required', 'optional', 'none']).default('required'),
    tls: senderTlsSchema.default({}),
    message: z
      .object({ from: z.string().optional(), to: z.string().optional(), subject: z.string().optional(), body: z.string().optional() })
      .strict()
      .default({}),
    expect: expectationSchema,
  })
  .strict();

export const scenarioSchema = z
  .object({
    name,
    description: z.string().default(''),
    receiver: receiverSchema,
    senders: z.array(senderSchema).min(1),
    /** Seconds to wait for each phase (readiness, a sender's session, log settling). Default: 30. */
    timeoutSeconds: z.number().int().positive().max(3600).default(30),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const seen = new Map<string, number>();
    scenario.senders.forEach((sender, index) => {
      const first = seen.get(sender.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['senders', index, 'name'], message: `"${sender.name}" is already the name of senders[${first}]` });
      } else {
        seen.set(sender.name, index);
      }
    });
  });

/** A scenario as written in a file (defaults not yet applied). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof scenarioSchema>;
export type SenderSpec = z.output<typeof senderSchema>;
export type ReceiverSpec = z.output<typeof receiverSchema>;
export type Expectation = z.output<typeof expectationSchema>;
export type SenderTls = z.output<typeof senderTlsSchema>;
