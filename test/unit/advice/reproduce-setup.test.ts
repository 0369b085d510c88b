import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../lab/advice/config-dir.ts';
import { readLogFailures } from '../../../lab/advice/failures.ts';
import { generateOutboundFixes } from '../../../lab/advice/fixes.ts';
import { formHypotheses } from '../../../lab/advice/hypotheses.ts';
import { loadPopulation } from '../../../lab/advice/population.ts';
import {
  clientCertificateDestination, clientRequirementNote, explainFailure, malformedTlsDestination, starttlsRefusedDestination, starttlsRequiredDestination, stallDestination, withClientTlsAsLogged,
  withStallTimeouts,
} from '../../../lab/advice/reproduce.ts';
import { loadSenderProfiles } from '../../../lab/senders/profiles.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';

const configs = new URL('../../fixtures/configs/', import.meta.url).pathname;
const inboundTimeout = readLogFailures([
  'Nov 28 10:22:30 mx postfix/smtpd[6181]: connect from a.example[192.0.2.1]',
  'Nov 28 10:27:30 mx postfix/smtpd[6181]: timeout after STARTTLS from a.example[192.0.2.1]',
  'Nov 28 10:27:30 mx postfix/smtpd[6181]: disconnect from a.example[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
]);
const outboundTimeout = readLogFailures([
  'Jan 16 01:31:28 mx postfix/smtp[700]: SSL_connect error to mx01.example.net[198.51.100.5]:25: Connection timed out',
  'Jan 16 01:31:28 mx postfix/smtp[700]: 8BE0C60724: to=<u@example.net>, relay=mx01.example.net[198.51.100.5]:25, delay=301, delays=0/0/1/300, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
]);

describe('reproducing a timeout after STARTTLS', () => {
  it('reads the logs as an inbound and an outbound timeout', () => {
    expect(inboundTimeout.failures.map((f) => f.class)).toEqual(['timeout']);
    expect(outboundTimeout.outbound.map((f) => f.class)).toEqual(['timeout']);
  });

  it('reads a bare -1 of Postfix 2.6-2.8 as a timeout by the STARTTLS timeout of the admin\'s main.cf', () => {
    const lines = [
      'Nov 28 10:22:30 mx postfix/smtpd[6181]: connect from a.example[192.0.2.1]',
      'Nov 28 10:22:30 mx postfix/smtpd[6181]: setting up TLS connection from a.example[192.0.2.1]',
      'Nov 28 10:22:50 mx postfix/smtpd[6181]: SSL_accept error from a.example[192.0.2.1]: -1',
      'Nov 28 10:22:50 mx postfix/smtpd[6181]: lost connection after STARTTLS from a.example[192.0.2.1]',
    ];
    expect(readLogFailures(lines).failures.map((f) => f.class)).toEqual(['unexpected-eof']);
    expect(readLogFailures(lines, { starttlsTimeout: { smtpd: 20 } }).failures.map((f) => f.class)).toEqual(['timeout']);
  });

  it('shortens the STARTTLS timeout of the side that waits, and lists it among the lab\'s decisions', async () => {
    const config = await readConfigDir(join(configs, 'bookworm-baseline'));
    const inbound = withStallTimeouts(config, inboundTimeout);
    expect(inbound.receiver.mainCf).toMatchObject({ smtpd_starttls_timeout: '5s' });
    expect(inbound.receiver.mainCf).not.toHaveProperty('smtp_starttls_timeout');
    expect(inbound.decisions.find((d) => d.parameter === 'smtpd_starttls_timeout')).toMatchObject({ action: 'override', value: '300s (the default)', labValue: '5s' });
    expect(withStallTimeouts(config, outboundTimeout).receiver.mainCf).toMatchObject({ smtp_starttls_timeout: '5s' });
    expect(withStallTimeouts(config, readLogFailures([]))).toBe(config);
    const quick = { ...config, receiver: { ...config.receiver, mainCf: { ...config.receiver.mainCf, smtpd_starttls_timeout: '3' } } };
    expect(withStallTimeouts(quick, inboundTimeout)).toBe(quick);
  });

  it('tries a sender that stalls, and a destination that stalls', async () => {
    expect(formHypotheses(inboundTimeout.failures, await loadSenderProfiles()).map((h) => h.name)).toEqual(['probe-raw-stall']);
    const population = await loadPopulation(await loadToolchains(), { sources: { sourcesDir: '/nonexistent-tlslab-sources' } });
    expect(stallDestination(population.outbound, outboundTimeout)).toEqual([expect.objectContaining({ name: 'starttls-stall', server: 'raw', afterStarttls: 'stall' })]);
    expect(stallDestination(population.outbound, inboundTimeout)).toEqual([]);
  });
});

describe('reproducing a server that takes mail only over TLS', () => {
  // As the smtp client logs Postfix's and Gmail's reply to a MAIL FROM without STARTTLS.
  const bounced = readLogFailures([
    'Jun 24 01:11:45 mx postfix/smtp[519]: 37F04BD6180: to=<u@relay.example>, relay=smtp.relay.example[198.51.100.25]:587, delay=0.35, delays=0.04/0.01/0.25/0.05, dsn=5.7.0, status=bounced (host smtp.relay.example[198.51.100.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command))',
  ]);

  it('reads it as this client\'s TLS setting, and sends to such a server', () => {
    expect(bounced.outbound.map((f) => [f.class, f.summary, f.peers])).toEqual([
      ['invalid-local-config', 'server requires STARTTLS, this client did not use it', [{ name: 'smtp.relay.example', addr: '198.51.100.25' }]],
    ]);
    expect(starttlsRequiredDestination(bounced)).toEqual([expect.objectContaining({ name: 'starttls-required', mainCf: { smtpd_tls_security_level: 'encrypt' } })]);
    expect(starttlsRequiredDestination(outboundTimeout)).toEqual([]);
  });

  it('runs the client of a main.cf without smtp_tls_security_level at Postfix\'s default, as the log shows it', async () => {
    const config = await readConfigDir(join(configs, 'ecdsa-certificate'));
    expect(config.receiver.mainCf).not.toHaveProperty('smtp_tls_security_level');
    const asLogged = withClientTlsAsLogged(config, bounced);
    expect(asLogged.receiver.mainCf).toMatchObject({ smtp_tls_security_level: '' });
    expect(asLogged.decisions.find((d) => d.parameter === 'smtp_tls_security_level')).toMatchObject({ labValue: '', source: 'Postfix default' });
    expect(withClientTlsAsLogged(config, outboundTimeout)).toBe(config);
    expect(withClientTlsAsLogged(await readConfigDir(join(configs, 'bookworm-baseline')), bounced).receiver.mainCf).toMatchObject({ smtp_tls_security_level: 'may' });
  });

  it('fixes it with level may where the client runs at none or the empty default', () => {
    const reproduced = [{ class: 'invalid-local-config' as const, senders: ['→ starttls-required'], offered: [] }];
    expect(generateOutboundFixes(reproduced, {}).map((f) => [f.id, f.mainCf])).toEqual([['outbound-use-tls', { smtp_tls_security_level: 'may' }]]);
    expect(generateOutboundFixes(reproduced, { smtp_tls_security_level: 'none' }).map((f) => f.id)).toEqual(['outbound-use-tls']);
    expect(generateOutboundFixes(reproduced, { smtp_tls_security_level: 'may' })).toEqual([]);
  });
});

describe('reproducing a server that answers STARTTLS with 454, its own TLS off', () => {
  // Postfix 3.5, 3.7 and 3.10 at level encrypt leaving such a server for the next one (lab-captured).
  const refused = readLogFailures(readFileSync(new URL('../../fixtures/logs/lab-multiple-next-hops.log', import.meta.url), 'utf8').split('\n'));
  const failure = refused.outbound.find((f) => f.class === 'invalid-local-config');

  it('sends to such a server, and blames its settings, not this side\'s', () => {
    expect(failure?.summary).toBe('TLS not available (local problem)');
    expect(failure?.peers.map((p) => p.name)).toEqual(['p-no-tls.dest.lab.test', 'p-no-tls.dest.lab.test', 'p-no-tls.dest.lab.test']);
    expect(starttlsRefusedDestination(refused)).toEqual([expect.objectContaining({ name: 'starttls-refused', mainCf: { smtpd_tls_protocols: 'TLSv9' } })]);
    expect(starttlsRefusedDestination(outboundTimeout)).toEqual([]);
    const explanation = explainFailure(failure!, [], []);
    expect(explanation).toContain('The server\'s own settings cause this failure, not this side\'s');
    expect(explanation).not.toContain('No peer causes this failure');
  });

  it('says that only a client that requires TLS logs it, and fixes it with level may where the client requires TLS', () => {
    expect(clientRequirementNote(failure!, { smtp_tls_security_level: 'may' }, [])).toContain('at smtp_tls_security_level = may it sends in plaintext to a server that answers STARTTLS with 454');
    expect(clientRequirementNote(failure!, { smtp_tls_security_level: 'encrypt' }, [])).toBe('');
    const reproduced = [{ class: 'invalid-local-config' as const, senders: ['→ starttls-refused'], offered: [] }];
    expect(generateOutboundFixes(reproduced, { smtp_tls_security_level: 'encrypt' }).map((f) => [f.id, f.mainCf, f.why])).toEqual([
      ['outbound-may', { smtp_tls_security_level: 'may' }, '→ starttls-refused answers STARTTLS with 454, its TLS off; at level may the mail goes in plaintext'],
    ]);
    expect(generateOutboundFixes(reproduced, { smtp_tls_security_level: 'may' })).toEqual([]);
  });
});

describe('reproducing a destination that requires a client certificate, or breaks TLS', () => {
  const fixture = (name: string) => readLogFailures(readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), 'utf8').split('\n'));

  it('sends to a server that refuses after the handshake (421), or to one that requires the certificate in the handshake', () => {
    expect(clientCertificateDestination(fixture('lab-client-certificates.log')).map((d) => d.name)).toEqual(['requires-client-certificate']);
    expect(clientCertificateDestination(fixture('lab-exim-client-certificate.log'))).toEqual([
      expect.objectContaining({ name: 'requires-client-certificate-in-handshake', server: 'exim', requireClientCertificate: true }),
      expect.objectContaining({ name: 'requires-client-certificate-tls12', server: 'exim', requireClientCertificate: true, gnutlsPriority: 'NORMAL:-VERS-TLS1.3' }),
    ]);
    expect(clientCertificateDestination(outboundTimeout)).toEqual([]);
  });

  it('sends to a server that answers the hello out of order, for a logged outbound protocol violation', async () => {
    const population = await loadPopulation(await loadToolchains(), { sources: { sourcesDir: '/nonexistent-tlslab-sources' } });
    expect(malformedTlsDestination(population.outbound, fixture('lab-protocol-violations.log'))).toEqual([
      expect.objectContaining({ name: 'starttls-malformed-reply', server: 'raw', afterStarttls: 'unexpected-message' }),
    ]);
    expect(malformedTlsDestination(population.outbound, outboundTimeout)).toEqual([]);
  });
});
