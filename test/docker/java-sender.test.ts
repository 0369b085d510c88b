import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { clientErrorOf, runAsExpected } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');
const java = { client: 'java', toolchain: 'debian-bookworm-java' } as const;

/** Failure explanations of the receiver's failed sessions, by the sender's address. */
async function run(input: Parameters<typeof defineScenario>[0], onTestFailed: (fn: () => void) => void) {
  await prepareImages(['debian-bookworm', 'debian-bookworm-java']);
  return runAsExpected(input, root, onTestFailed);
}

describe('a Java application (OpenJDK 17, JSSE) sending to Postfix 3.7', () => {
  it('aborts on a self-signed certificate or a name it lacks with "certificate unknown"; trusting it, gets TLS 1.3', async ({ onTestFailed }) => {
    const result = await run({
      name: 'java-sender',
      receiver: { toolchain: 'debian-bookworm' },
      senders: [
        { name: 'java-app', profile: 'java-app-jdk17', expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'alert certificate unknown' } },
        { name: 'trusts-all', ...java, expect: { outcome: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } },
        { name: 'trusts-receiver', ...java, tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'receiver.lab.test' }, expect: { outcome: 'tls' } },
        { name: 'other-name', ...java, tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'other-name.example' }, expect: { outcome: 'handshake-failed', serverError: 'alert certificate unknown' } },
        { name: 'implicit', ...java, port: 465, starttls: 'implicit', expect: { outcome: 'tls' } },
        // Re-enabled in the JDK's security properties, TLS 1.0 is served: Postfix runs opportunistic TLS at security level 0.
        { name: 'tls10', ...java, tls: { minProtocol: 'TLSv1', maxProtocol: 'TLSv1' }, expect: { outcome: 'tls', protocol: 'TLSv1' } },
      ],
    }, onTestFailed);
    expect(result.senders.find((s) => s.name === 'java-app')?.transcript).toMatch(/^RUNTIME: Java 17\./);
    expect(clientErrorOf(result, 'java-app')).toMatch(/^javax\.net\.ssl\.SSLHandshakeException: \(certificate_unknown\) PKIX path building failed/);
    expect(clientErrorOf(result, 'other-name')).toContain('No subject alternative DNS name matching other-name.example found');
    const failures = readSessions(result.receiver.log).sessions.flatMap((s) => (s.failure === undefined ? [] : [s.failure]));
    expect(failures.map((f) => f.class)).toEqual(['certificate-verification', 'certificate-verification']);
    for (const failure of failures) {
      expect(failure.evidence.join('\n')).toContain('error:0A000416:SSL routines::sslv3 alert certificate unknown:../ssl/record/rec_layer_s3.c:1601:SSL alert number 46:');
      expect(failure.explanation).toContain('Java clients (JSSE, as JavaMail and Java applications use it) send "certificate unknown"');
    }
  });

  it('verifies a certificate from a CA in the system bundle, and answers an expired one with "certificate expired", not "certificate unknown"', async ({ onTestFailed }) => {
    const senders = [{ name: 'java-app', profile: 'java-app-jdk17' }];
    const valid = await run({
      name: 'java-sender-public-ca',
      receiver: { toolchain: 'debian-bookworm', certificate: { issuer: 'lab-ca' } },
      senders: senders.map((s) => ({ ...s, expect: { outcome: 'tls' } })),
    }, onTestFailed);
    expect(valid.senders[0]?.observed.kind).toBe('tls');
    const expired = await run({
      name: 'java-sender-expired',
      receiver: { toolchain: 'debian-bookworm', certificate: { issuer: 'lab-ca', notBefore: '2020-01-01', notAfter: '2021-01-01' } },
      senders: senders.map((s) => ({ ...s, expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'SSL alert number 45' } })),
    }, onTestFailed);
    expect(clientErrorOf(expired, 'java-app')).toContain('(certificate_expired)');
  });

  it('needs a toolchain with Java, and says which one has it', async () => {
    const result = await runScenario({
      scenario: defineScenario({ name: 'java-without-java', receiver: { toolchain: 'debian-bookworm' }, senders: [{ name: 'app', client: 'java', expect: { outcome: 'tls' } }] }),
      dir: root,
    });
    expect(result.error).toMatchObject({ code: 'LAB_SCENARIO_INVALID', message: expect.stringContaining('sender app: client java needs a toolchain with Java, such as debian-bookworm-java; debian-bookworm has none') });
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('offers no RSA key exchange: a server limited to TLS 1.2 and kRSA suites has no cipher it shares, where OpenSSL has', async ({ onTestFailed }) => {
    await run({
      name: 'java-sender-rsa-kx',
      receiver: { toolchain: 'debian-bookworm', mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3, !TLSv1.3', smtpd_tls_exclude_ciphers: 'kECDHE, kDHE' } },
      senders: [
        { name: 'java-app', profile: 'java-app-jdk17-trust-all', expect: { outcome: 'handshake-failed', failureClass: 'no-shared-cipher' } },
        { name: 'openssl', client: 'openssl', expect: { outcome: 'tls', protocol: 'TLSv1.2', cipher: 'AES256-GCM-SHA384' } },
      ],
    }, onTestFailed);
  });

  it('RSA key exchange by JDK update: Debian 11\'s OpenJDK 11.0.24 still offers it; Debian 13\'s 21, like 12\'s 17, does not', async ({ onTestFailed }) => {
    await prepareImages(['debian-bullseye-java', 'debian-trixie-java']);
    const result = await run({
      name: 'java-versions-rsa-kx',
      receiver: { toolchain: 'debian-bookworm', mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3, !TLSv1.3', smtpd_tls_exclude_ciphers: 'kECDHE, kDHE' } },
      senders: [
        { name: 'jdk-11', client: 'java', toolchain: 'debian-bullseye-java', expect: { outcome: 'tls', protocol: 'TLSv1.2', cipher: 'AES256-GCM-SHA384' } },
        { name: 'jdk-21', client: 'java', toolchain: 'debian-trixie-java', expect: { outcome: 'handshake-failed', failureClass: 'no-shared-cipher' } },
      ],
    }, onTestFailed);
    expect(result.senders.find((s) => s.name === 'jdk-11')?.transcript).toMatch(/^RUNTIME: Java 11\./);
    expect(result.senders.find((s) => s.name === 'jdk-21')?.transcript).toMatch(/^RUNTIME: Java 21\./);
  });
});
