import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/**
 * A sending Postfix whose smtp_tls_protocols start at TLS 1.2, to a server that stops at TLS 1.0. With TLS 1.3
 * on, the hello lists its versions (supported_versions) and the server refuses them with an alert; with TLS 1.3
 * off, the server answers TLS 1.0 and the client refuses that itself. Either way Postfix defers, then delivers
 * in plaintext.
 */
const CASES: { receiver: string; withTls13: string; tls12Only: string }[] = [
  { receiver: 'debian-bullseye', withTls13: 'error:1409442E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:', tls12Only: 'error:1425F102:SSL routines:ssl_choose_client_version:unsupported protocol:' },
  { receiver: 'debian-bookworm', withTls13: 'error:0A00042E:SSL routines::tlsv1 alert protocol version:', tls12Only: 'error:0A000102:SSL routines::unsupported protocol:' },
  { receiver: 'debian-trixie', withTls13: 'error:0A00042E:SSL routines::tlsv1 alert protocol version:', tls12Only: 'error:0A000102:SSL routines::unsupported protocol:' },
];

const VARIANTS = [
  { variant: 'tls12-and-up', exclusions: '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1', cls: 'alert-protocol-version' },
  { variant: 'tls12-only', exclusions: '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.3', cls: 'unsupported-protocol' },
] as const;

describe.each(CASES)('a client protocol floor above the server\'s ceiling, on $receiver', ({ receiver, withTls13, tls12Only }) => {
  it.for(VARIANTS)('$variant', async ({ variant, exclusions, cls }, { onTestFailed }) => {
    await prepareImages([receiver]);
    const scenario = defineScenario({
      name: `client-floor-${receiver}-${variant}`,
      receiver: { toolchain: receiver, mainCf: { smtp_tls_protocols: exclusions, smtp_tls_mandatory_protocols: exclusions } },
      outbound: [{
        name: 'tls10-max',
        mainCf: { smtpd_tls_protocols: '<=TLSv1', smtpd_tls_mandatory_protocols: '<=TLSv1' },
        expect: { outcome: 'plaintext', afterTlsFailure: true },
      }],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((d) => !d.held).map((d) => `${d.name}: ${d.mismatch}`)).toEqual([]);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp' && s.failure !== undefined);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    const error = variant === 'tls12-only' ? tls12Only : withTls13;
    for (const session of failed) {
      expect(session.failure?.class).toBe(cls);
      expect(session.failure?.evidence.join('\n')).toContain(error);
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
