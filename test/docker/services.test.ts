import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

/**
 * Ports 465 and 587: a service with TLS at once (smtpd_tls_wrappermode) or STARTTLS required (security level
 * encrypt) enforces TLS, and smtpd then takes the mandatory protocol list, not smtpd_tls_protocols. A client that
 * stops at TLS 1.2 gets TLS on port 25 and fails on both other ports of the same server.
 */
describe('the receiver\'s smtps and submission services', () => {
  it('apply smtpd_tls_mandatory_protocols, and serve implicit-TLS clients of each kind, raw ones too', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm']);
    const tls12 = { maxProtocol: 'TLSv1.2' } as const;
    const scenario = defineScenario({
      name: 'services-465-587',
      receiver: { mainCf: { smtpd_tls_protocols: '>=TLSv1.2', smtpd_tls_mandatory_protocols: '>=TLSv1.3' } },
      senders: [
        { name: 'tls12-port-25', client: 'openssl', tls: tls12, expect: { outcome: 'tls', protocol: 'TLSv1.2' } },
        { name: 'tls12-smtps', client: 'openssl', port: 465, starttls: 'implicit', tls: tls12, expect: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol', fate: 'not-sent' } },
        { name: 'tls12-submission', client: 'openssl', port: 587, tls: tls12, expect: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol', fate: 'not-sent' } },
        { name: 'swaks-smtps', client: 'swaks', port: 465, starttls: 'implicit', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'postfix-smtps', client: 'postfix', port: 465, starttls: 'implicit', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'plaintext-submission', client: 'swaks', port: 587, starttls: 'none', expect: { outcome: 'refused' } },
        // Raw senders misbehave at once on 465, where the server awaits a ClientHello.
        { name: 'plaintext-smtps', client: 'raw', port: 465, starttls: 'implicit', afterStarttls: 'plaintext-smtp', expect: { outcome: 'handshake-failed', serverError: 'wrong version number', failureClass: 'plaintext-after-starttls' } },
        { name: 'hangup-smtps', client: 'raw', port: 465, starttls: 'implicit', afterStarttls: 'close', expect: { outcome: 'handshake-failed', failureClass: 'unexpected-eof' } },
      ],
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(result.notes.join('\n')).toMatch(/port 465: smtps \(wrapper mode: TLS at once\).*port 587: submission/s);
    const services = new Map(readSessions(result.receiver.log).sessions.map((s) => [s.peer.addr, s.service]));
    const serviceOf = (name: string) => services.get(result.senders.find((s) => s.name === name)?.address ?? '');
    expect(['tls12-port-25', 'tls12-smtps', 'swaks-smtps', 'postfix-smtps', 'tls12-submission', 'plaintext-smtps'].map(serviceOf))
      .toEqual(['postfix/smtpd', 'postfix/smtps/smtpd', 'postfix/smtps/smtpd', 'postfix/smtps/smtpd', 'postfix/submission/smtpd', 'postfix/smtps/smtpd']);
    const plaintext = result.senders.find((s) => s.name === 'plaintext-smtps')?.observed;
    expect(plaintext?.kind === 'handshake-failed' ? plaintext.remedy : '').toContain('SSL/TLS (implicit TLS) for port 465');
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('serve the Postfix under test as destinations on 465 and 587: TLS at once needs a wrapper-mode transport', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm']);
    const scenario = defineScenario({
      name: 'outbound-465-587',
      receiver: { mainCf: { smtp_helo_timeout: '5s' }, masterCf: ['smtps unix - - n - - smtp -o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt'] },
      outbound: [
        { name: 'relay-465', port: 465, transport: 'smtps', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'relay-587', port: 587, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        // The plain smtp client waits for a greeting that the server, waiting for a ClientHello, never sends.
        { name: 'relay-465-plain', port: 465, expect: { outcome: 'handshake-failed', fate: 'deferred' } },
      ],
      timeoutSeconds: 15,
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(result.outbound.find((s) => s.name === 'relay-465')?.evidence.join('\n')).toMatch(/relay-465 postfix\/smtps\/smtpd\[\d+\]: Anonymous TLS connection established/);
    const plain = result.outbound.find((s) => s.name === 'relay-465-plain')!;
    const own = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp' && s.peer.addr === plain.peerAddress);
    expect(result.receiver.log.join('\n')).toContain('SMTPS wrappermode (TCP port 465) requires setting "smtp_tls_wrappermode = yes"');
    expect(own.map((s) => s.failure?.class)).toContain('invalid-local-config');
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
