import { describe, expect, it } from 'vitest';
import { main } from '../../../lab/cli/main.ts';
import { appClientCommand, rawCommand, sClientCommand, swaksCommand } from '../../../lab/senders/client-command.ts';
import { mtaSenderMainCf, sendmailEnv } from '../../../lab/senders/mta.ts';
import { captureIo } from '../../docker/support.ts';
import { resolveSender, loadSenderProfiles } from '../../../lab/senders/profiles.ts';
import { senderSchema } from '../../../lab/scenario/schema.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';

const REQUIRED = [
  'sslv3-only',
  'tls10-only',
  'sslv3-to-tls10',
  'tls10-to-tls12',
  'tls12-only',
  'tls13-only',
  'ecdhe-only',
  'dhe-only',
  'rsa-kx-only',
  'rc4-only',
  'no-starttls',
  'gmail-2018',
  'exchange-2010-pre-sp3-ru9',
  'postfix-2.6.6-openssl-1.0.1e',
  'postfix-3-debian',
  'modern-tls13',
  'tls12-fallback-scsv',
];

describe('sender profiles', () => {
  it('every required profile exists, validates, and names a declared toolchain', async () => {
    const profiles = await loadSenderProfiles();
    const toolchains = await loadToolchains();
    for (const name of REQUIRED) expect(profiles.has(name), name).toBe(true);
    for (const profile of profiles.values()) {
      expect(toolchains.has(profile.toolchain ?? 'debian-bookworm'), `${profile.name}: toolchain ${profile.toolchain}`).toBe(true);
    }
  });

  it('real-world profiles cite sources and separate verified from inferred claims', async () => {
    const profiles = await loadSenderProfiles();
    const gmail = profiles.get('gmail-2018')!;
    expect(gmail.evidence).not.toBe('synthetic');
    if (gmail.evidence !== 'synthetic') {
      expect(gmail.evidence.sources.length).toBeGreaterThan(0);
      expect(gmail.evidence.inferred.some((claim) => /DHE/.test(claim))).toBe(true);
    }
    expect(gmail.tls?.ciphers?.split(':')).not.toContain('DHE-RSA-AES128-SHA');
  });

  it('a scenario sender takes a profile and overrides it field by field', async () => {
    const profiles = await loadSenderProfiles();
    const input = senderSchema.parse({ profile: 'tls10-only', tls: { ciphers: 'AES128-SHA' }, expect: { outcome: 'tls' } });
    expect(resolveSender(input, profiles)).toMatchObject({
      name: 'tls10-only',
      profile: 'tls10-only',
      client: 'openssl',
      delivery: 'client',
      toolchain: 'debian-bookworm-legacy-openssl',
      tls: { minProtocol: 'TLSv1', maxProtocol: 'TLSv1', ciphers: 'AES128-SHA' },
    });
    const mta = resolveSender(senderSchema.parse({ profile: 'postfix-3-debian', name: 'bank', expect: { outcome: 'tls' } }), profiles);
    expect(mta).toMatchObject({ name: 'bank', client: 'postfix', delivery: 'mta', starttls: 'optional' });
    expect(() => resolveSender(senderSchema.parse({ profile: 'nope', expect: { outcome: 'tls' } }), profiles, 'x.yaml: senders[0]')).toThrow(
      /^x\.yaml: senders\[0\]\.profile: no sender profile "nope" \(known: /,
    );
  });

  it('a fallback retry marks its hello with TLS_FALLBACK_SCSV, which only the openssl client can send', async () => {
    const profiles = await loadSenderProfiles();
    const retry = resolveSender(senderSchema.parse({ profile: 'tls12-fallback-scsv', expect: { outcome: 'handshake-failed' } }), profiles);
    const envelope = { server: 'receiver', heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5 };
    expect(sClientCommand(retry, envelope).argv).toEqual(expect.arrayContaining(['-fallback_scsv', '-no_tls1_3']));
    const swaks = senderSchema.parse({ name: 'x', client: 'swaks', tls: { fallbackScsv: true }, expect: { outcome: 'tls' } });
    expect(() => resolveSender(swaks, profiles, 'y.yaml: senders[1]')).toThrow('y.yaml: senders[1].tls.fallbackScsv: only the openssl client can send TLS_FALLBACK_SCSV');
  });

  it('a verifying sender runs s_client with -verify_return_error, which only the openssl client has', async () => {
    const profiles = await loadSenderProfiles();
    const verifying = resolveSender(senderSchema.parse({ profile: 'verifying-sender', expect: { outcome: 'handshake-failed' } }), profiles);
    const envelope = { server: 'receiver', heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5 };
    expect(sClientCommand(verifying, envelope).argv).toContain('-verify_return_error');
    expect(sClientCommand(resolveSender(senderSchema.parse({ profile: 'tls12-only', expect: { outcome: 'tls' } }), profiles), envelope).argv).not.toContain('-verify_return_error');
    const swaks = senderSchema.parse({ name: 'x', client: 'swaks', tls: { verifyCertificate: true }, expect: { outcome: 'tls' } });
    expect(() => resolveSender(swaks, profiles, 'y.yaml: senders[1]')).toThrow('y.yaml: senders[1].tls.verifyCertificate: only the openssl, java and go clients abort on an unverified certificate');
  });

  it('the java sender takes a protocol range, verification, trust and a host name, and refuses what the JDK decides itself', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (sender: object) => senderSchema.parse({ name: 'x', client: 'java', toolchain: 'debian-bookworm-java', expect: { outcome: 'tls' }, ...sender });
    const envelope = { server: 'receiver', port: 587, heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5, receiverCertificates: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const app = appClientCommand('java', resolveSender(senderSchema.parse({ profile: 'java-app-jdk17', expect: { outcome: 'tls' } }), profiles), envelope);
    expect(app.argv).toEqual(['java', '-cp', '/usr/local/lib/tlslab/java', 'SmtpClient']);
    // The JDK's own protocol defaults, STARTTLS required, the system CA store.
    expect(app.env).toMatchObject({ TLSLAB_SERVER: 'receiver', TLSLAB_PORT: '587', TLSLAB_STARTTLS: 'required', TLSLAB_PROTOCOLS: '', TLSLAB_VERIFY: '1' });
    expect(app.env.TLSLAB_TRUST_PEM).toBeUndefined();
    const old = appClientCommand('java', resolveSender(parse({ tls: { minProtocol: 'TLSv1', maxProtocol: 'TLSv1.1' }, starttls: 'implicit' }), profiles), envelope);
    expect(old.env).toMatchObject({ TLSLAB_PROTOCOLS: 'TLSv1,TLSv1.1', TLSLAB_STARTTLS: 'implicit' });
    expect(old.env.TLSLAB_VERIFY).toBeUndefined();
    const trusting = appClientCommand('java', resolveSender(parse({ tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'mx.example' } }), profiles), envelope);
    expect(trusting.env).toMatchObject({ TLSLAB_VERIFY: '1', TLSLAB_TRUST_PEM: envelope.receiverCertificates, TLSLAB_VERIFY_HOSTNAME: 'mx.example' });
    for (const tls of [{ ciphers: 'AES128-SHA' }, { groups: 'X25519' }, { verifyCertificate: true, verifyAt: '2040-01-01' }]) {
      expect(() => resolveSender(parse({ tls }), profiles, 'j.yaml: senders[2]')).toThrow(`j.yaml: senders[2].tls.${Object.keys(tls).at(-1)}: the java sender takes the JDK's suites, groups and clock`);
    }
  });

  it('the go sender runs the Go client with the same settings, verifying by default as crypto/tls does, and has no SSLv3', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (sender: object) => senderSchema.parse({ name: 'x', client: 'go', toolchain: 'debian-trixie-go', expect: { outcome: 'tls' }, ...sender });
    const envelope = { server: 'receiver', heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5, receiverCertificates: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const mailer = resolveSender(senderSchema.parse({ profile: 'go-mailer', expect: { outcome: 'tls' } }), profiles);
    expect(mailer).toMatchObject({ client: 'go', toolchain: 'debian-trixie-go', starttls: 'required', tls: { verifyCertificate: true } });
    const app = appClientCommand('go', mailer, envelope);
    expect(app.argv).toEqual(['tlslab-go-smtp']);
    expect(app.env).toMatchObject({ TLSLAB_SERVER: 'receiver', TLSLAB_PORT: '25', TLSLAB_STARTTLS: 'required', TLSLAB_PROTOCOLS: '', TLSLAB_VERIFY: '1' });
    const trusting = appClientCommand('go', resolveSender(parse({ tls: { verifyCertificate: true, trust: 'receiver', maxProtocol: 'TLSv1.2' } }), profiles), envelope);
    expect(trusting.env).toMatchObject({ TLSLAB_VERIFY: '1', TLSLAB_TRUST_PEM: envelope.receiverCertificates, TLSLAB_PROTOCOLS: 'TLSv1,TLSv1.1,TLSv1.2' });
    expect(appClientCommand('go', resolveSender(parse({}), profiles), envelope).env.TLSLAB_VERIFY).toBeUndefined();
    expect(() => resolveSender(parse({ tls: { groups: 'X25519' } }), profiles, 'g.yaml: senders[0]')).toThrow('g.yaml: senders[0].tls.groups: the go sender takes Go\'s crypto/tls suites, groups and clock');
    expect(() => resolveSender(parse({ tls: { minProtocol: 'SSLv3', maxProtocol: 'TLSv1' } }), profiles, 'g.yaml: senders[0]')).toThrow('g.yaml: senders[0].tls.minProtocol: Go\'s crypto/tls has no SSLv3');
  });

  it('a sender that trusts the receiver\'s certificate gets it in its own CA file, with the name and date it verifies by', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (tls: object) => senderSchema.parse({ name: 'x', client: 'openssl', tls, expect: { outcome: 'handshake-failed' } });
    const envelope = { server: 'receiver', heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5, receiverCertificates: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const command = sClientCommand(resolveSender(parse({ verifyCertificate: true, trust: 'receiver', verifyHostname: 'mx.example', verifyAt: '2040-01-01' }), profiles), envelope);
    expect(command.argv.join(' ')).toContain('-verify_return_error -CAfile /tmp/tlslab-trusted-receiver.pem -partial_chain -verify_hostname mx.example -attime 2208988800');
    expect(command.env.TLSLAB_TRUST_PEM).toBe(envelope.receiverCertificates);
    const system = sClientCommand(resolveSender(parse({ verifyCertificate: true }), profiles), envelope);
    expect(system.argv).not.toContain('-CAfile');
    expect(system.env.TLSLAB_TRUST_PEM).toBeUndefined();
    expect(() => sClientCommand(resolveSender(parse({ verifyCertificate: true, trust: 'receiver' }), profiles), { ...envelope, receiverCertificates: undefined })).toThrow('the receiver\'s certificates could not be read');
    expect(() => resolveSender(parse({ trust: 'receiver' }), profiles, 's.yaml: senders[0]')).toThrow('s.yaml: senders[0].tls.trust: takes effect only on a sender that verifies');
    // A profile that verifies takes the scenario's trust on top.
    expect(resolveSender(senderSchema.parse({ profile: 'verifying-sender', tls: { verifyAt: '2040-01-01' }, expect: { outcome: 'tls' } }), profiles).tls).toMatchObject({ verifyCertificate: true, verifyAt: '2040-01-01' });
    expect(() => parse({ verifyCertificate: true, verifyAt: 'next tuesday' })).toThrow('expected a date');
    expect(() => parse({ verifyCertificate: true, verifyHostname: 'a b' })).toThrow('expected a host name');
  });

  it('a raw sender needs afterStarttls, takes no TLS settings, and only it takes afterStarttls', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (sender: object) => senderSchema.parse({ name: 'x', expect: { outcome: 'handshake-failed' }, ...sender });
    expect(resolveSender(parse({ client: 'raw', afterStarttls: 'http-request' }), profiles)).toMatchObject({ client: 'raw', delivery: 'client', afterStarttls: 'http-request' });
    expect(() => resolveSender(parse({ client: 'raw' }), profiles, 's.yaml: senders[0]')).toThrow('s.yaml: senders[0].afterStarttls: a raw sender needs it');
    expect(() => resolveSender(parse({ client: 'openssl', afterStarttls: 'close' }), profiles, 's')).toThrow('s.afterStarttls: only a raw sender takes it');
    expect(() => resolveSender(parse({ client: 'raw', afterStarttls: 'close', tls: { maxProtocol: 'TLSv1.2' } }), profiles, 's')).toThrow('a raw sender has no TLS stack');
    expect(() => senderSchema.parse({ name: 'x', client: 'raw', afterStarttls: 'dance', expect: { outcome: 'tls' } })).toThrow();
    const command = rawCommand('sslv2-hello', { server: 'receiver', heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 7 });
    expect(command.argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(command.argv[2]).toContain('/dev/tcp/$TLSLAB_SERVER/${TLSLAB_PORT:-25}');
    expect(command.env).toEqual({ TLSLAB_SERVER: 'receiver', TLSLAB_PORT: '25', TLSLAB_TIMEOUT: '7', TLSLAB_HELO: 'h', TLSLAB_ACTION: 'sslv2-hello' });
  });

  it('a sender on another port: each client connects there, and starts TLS at once where it can', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (sender: object) => senderSchema.parse({ name: 'x', expect: { outcome: 'tls' }, ...sender });
    const envelope = { server: 'receiver', port: 465, heloName: 'h', from: 'a@b', to: 'c@d', subject: 's', body: 'b', timeoutSeconds: 5 };
    const openssl = resolveSender(parse({ client: 'openssl', port: 465, starttls: 'implicit' }), profiles);
    expect(openssl.port).toBe(465);
    const sClient = sClientCommand(openssl, envelope).argv;
    expect(sClient).toContain('receiver:465');
    expect(sClient).not.toContain('-starttls');
    const swaks = swaksCommand(resolveSender(parse({ client: 'swaks', port: 465, starttls: 'implicit' }), profiles), envelope).argv;
    expect(swaks.join(' ')).toContain('--port 465');
    expect(swaks).toContain('--tls-on-connect');
    const postfix = resolveSender(parse({ client: 'postfix', port: 465, starttls: 'implicit' }), profiles);
    expect(mtaSenderMainCf(postfix, '3.7.11', '10.0.0.2')).toMatchObject({ relayhost: '[10.0.0.2]:465', smtp_tls_wrappermode: 'yes', smtp_tls_security_level: 'encrypt' });
    expect(() => mtaSenderMainCf(postfix, '2.6.6', '10.0.0.2')).toThrow('Postfix 2.6.6 has no smtp_tls_wrappermode (3.0 and later)');
    expect(resolveSender(parse({ client: 'swaks' }), profiles).port).toBe(25);
    expect(() => resolveSender(parse({ client: 'exim', port: 587 }), profiles, 's')).toThrow('s.port: the exim sender relays to port 25 only');
    expect(() => resolveSender(parse({ client: 'exim', starttls: 'implicit' }), profiles, 's')).toThrow('s.starttls: the exim sender cannot start TLS at once');
    // A raw sender misbehaves at once where a wrapper-mode server awaits its ClientHello.
    const raw = resolveSender(parse({ client: 'raw', afterStarttls: 'plaintext-smtp', starttls: 'implicit', port: 465 }), profiles);
    expect(rawCommand(raw.afterStarttls!, envelope, raw.starttls === 'implicit').env).toMatchObject({ TLSLAB_PORT: '465', TLSLAB_IMPLICIT: '1', TLSLAB_ACTION: 'plaintext-smtp' });
    expect(() => resolveSender(parse({ client: 'raw', afterStarttls: 'close', starttls: 'none' }), profiles, 's')).toThrow('a raw sender has no TLS stack');
    expect(() => resolveSender(parse({ client: 'openssl', starttls: 'none' }), profiles, 's')).toThrow('s.starttls: the openssl client (s_client) always starts TLS');
    expect(() => resolveSender(parse({ client: 'openssl', starttls: 'optional' }), profiles, 's')).toThrow('use client swaks or postfix for "starttls: optional"');
  });

  it('a sendmail sender: its protocol range, cipher list and own options as sendmail.cf options, and what it cannot do', async () => {
    const profiles = await loadSenderProfiles();
    const parse = (sender: object) => senderSchema.parse({ name: 'x', client: 'sendmail', toolchain: 'debian-bookworm-sendmail', expect: { outcome: 'tls' }, ...sender });
    const ranged = resolveSender(parse({ port: 587, tls: { minProtocol: 'TLSv1.2', maxProtocol: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }, sendmailOptions: { TLSFallbacktoClear: 'true' } }), profiles);
    expect([ranged.delivery, ranged.starttls]).toEqual(['mta', 'optional']);
    expect(sendmailEnv(ranged, '10.0.0.2')).toEqual({
      TLSLAB_RELAY: '10.0.0.2',
      TLSLAB_RELAY_PORT: '587',
      TLSLAB_SENDMAIL_OPTIONS: 'ClientSSLOptions=+SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1 +0x20000000\nCipherList=ECDHE-RSA-AES128-SHA\nTLSFallbacktoClear=true',
    });
    expect(sendmailEnv(resolveSender(parse({ starttls: 'none' }), profiles), '10.0.0.2')).toMatchObject({ TLSLAB_SENDMAIL_OPTIONS: '', TLSLAB_ACCESS: 'Try_TLS:10.0.0.2\tNO' });
    expect(() => resolveSender(parse({ tls: { groups: 'X25519' } }), profiles, 's')).toThrow('s.tls.groups: the sendmail sender takes minProtocol, maxProtocol and ciphers');
    expect(() => resolveSender(parse({ starttls: 'required' }), profiles, 's')).toThrow('s.starttls: the sendmail sender uses STARTTLS when offered ("optional") or never ("none")');
    expect(() => resolveSender(parse({ client: 'postfix', sendmailOptions: { TLSFallbacktoClear: 'true' } }), profiles, 's')).toThrow('s.sendmailOptions: only a sendmail sender takes them');
    expect(() => parse({ sendmailOptions: { 'bad name': 'x' } })).toThrow('a sendmail.cf option name');
  });

  it('tlslab senders list shows every profile, and what sets a probe apart beyond its protocol range', async () => {
    const io = captureIo(process.cwd());
    expect(await main(['senders', 'list'], io)).toBe(0);
    const lines = io.out().split('\n');
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    expect(row('tls12-only')).toContain('TLSv1.2 only');
    expect(row('tls12-fallback-scsv')).toContain('TLSv1.2 only,');
    expect(lines[lines.indexOf(row('tls12-fallback-scsv')) + 1]).toContain('fallback SCSV');
    for (const name of REQUIRED) expect(row(name), name).not.toBe('');
  });
});
