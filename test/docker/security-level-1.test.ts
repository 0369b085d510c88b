import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { Expectation } from '../../lab/scenario/schema.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/**
 * A receiver whose cipher list raises OpenSSL's security level to 1, against a TLS 1.0 client at level 0, and
 * sending to a Postfix that stops at TLS 1.0. OpenSSL 1.1.1 still signs and accepts SHA-1 at level 1; 3.0 lets
 * the version through and then fails on the signature; 3.5 refuses the version itself.
 */
const CASES: { receiver: string; inbound: Expectation; outbound: Expectation; serverError?: string; clientError?: string }[] = [
  { receiver: 'debian-bullseye', inbound: { outcome: 'tls', protocol: 'TLSv1' }, outbound: { outcome: 'tls', protocol: 'TLSv1' } },
  {
    receiver: 'debian-bookworm',
    inbound: { outcome: 'handshake-failed', failureClass: 'no-suitable-signature-algorithm', serverError: 'no suitable signature algorithm' },
    outbound: { outcome: 'plaintext', afterTlsFailure: true },
    serverError: 'error:0A000076:SSL routines::no suitable signature algorithm:',
    clientError: 'error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported:',
  },
  {
    receiver: 'debian-trixie',
    inbound: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol', serverError: 'unsupported protocol' },
    outbound: { outcome: 'plaintext', afterTlsFailure: true },
    serverError: 'error:0A000102:SSL routines::unsupported protocol:',
    clientError: 'error:0A00042E:SSL routines::tlsv1 alert protocol version:',
  },
];

describe.each(CASES)('security level 1 on $receiver, against TLS 1.0 peers', ({ receiver, inbound, outbound, serverError, clientError }) => {
  it('a TLS 1.0 sender at level 0, and a TLS 1.0 destination', async ({ onTestFailed }) => {
    await prepareImages([receiver, 'debian-bookworm']);
    const scenario = defineScenario({
      name: `security-level-1-${receiver}`,
      receiver: { toolchain: receiver, mainCf: { tls_medium_cipherlist: 'DEFAULT:@SECLEVEL=1' } },
      senders: [{ name: 'tls10-level0', profile: 'tls10-only', tls: { ciphers: 'ALL:@SECLEVEL=0' }, expect: inbound }],
      outbound: [{ name: 'tls10-max', mainCf: { smtpd_tls_protocols: '<=TLSv1', smtpd_tls_mandatory_protocols: '<=TLSv1' }, expect: outbound }],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect([...result.senders, ...result.outbound].filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.failure !== undefined);
    const evidence = (side: 'smtpd' | 'smtp') => failed.filter((s) => s.side === side).flatMap((s) => s.failure?.evidence ?? []).join('\n');
    if (serverError === undefined) expect(failed).toEqual([]);
    else expect(evidence('smtpd')).toContain(serverError);
    if (clientError !== undefined) expect(evidence('smtp')).toContain(clientError);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
