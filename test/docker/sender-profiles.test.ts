import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { loadSenderProfiles } from '../../lab/senders/profiles.ts';
import { leftovers } from './leftovers.ts';
import { missingSources } from './sources-gate.ts';
import { failureAttachment } from './support.ts';

/**
 * What each profile claims, proved by a real handshake against a permissive reference receiver
 * (Postfix 3.7 on the legacy-capable OpenSSL 3.0, every protocol from SSLv3, every suite at security
 * level 0, RSA and ECDSA certificates, the client's cipher order wins): its highest protocol and its
 * most preferred suite that the reference has.
 */
const CLAIMS: Record<string, { protocol: string; cipher: string } | { fails: string; serverError: string } | 'plaintext' | 'plaintext-after-tls'> = {
  'sslv3-only': { protocol: 'SSLv3', cipher: 'DHE-RSA-AES256-SHA' },
  'tls10-only': { protocol: 'TLSv1', cipher: 'ECDHE-ECDSA-AES256-SHA' },
  'sslv3-to-tls10': { protocol: 'TLSv1', cipher: 'ECDHE-ECDSA-AES256-SHA' },
  'tls10-to-tls12': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  'tls12-only': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  'tls13-only': { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  'ecdhe-only': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  'dhe-only': { protocol: 'TLSv1.2', cipher: 'DHE-RSA-AES256-GCM-SHA384' },
  'rsa-kx-only': { protocol: 'TLSv1.2', cipher: 'AES256-GCM-SHA384' },
  'rc4-only': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-RC4-SHA' },
  'no-starttls': 'plaintext',
  'gmail-2018': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  'exchange-2010-pre-sp3-ru9': { protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES128-SHA' },
  'exchange-windows-2012r2': { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-SHA384' },
  'postfix-3-debian': { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  'modern-tls13': { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  'go-crypto-tls': { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
  // The reference speaks TLS 1.3, so a TLS 1.2 retry that says it is a fallback is refused (RFC 7507).
  'tls12-fallback-scsv': { fails: 'inappropriate-fallback', serverError: 'inappropriate fallback' },
  // The reference's certificate is self-signed, so a sender that insists on a verified one aborts with an alert.
  'verifying-sender': { fails: 'certificate-verification', serverError: 'tlsv1 alert unknown ca' },
  // Java verifies the chain as well, and says so in its own words.
  'java-app-jdk17': { fails: 'certificate-verification', serverError: 'sslv3 alert certificate unknown' },
  'java-app-jdk17-trust-all': { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  // Go sends "bad certificate" for any certificate it cannot verify.
  'go-mailer': { fails: 'certificate-verification', serverError: 'alert bad certificate' },
  // Exim negotiates TLS 1.3, cannot verify the reference's self-signed certificate, and resends in clear.
  'exim-gnutls-debian': 'plaintext-after-tls',
  // Sendmail logs the unverified certificate (verify=FAIL) and delivers over TLS all the same.
  'sendmail-debian': { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
  // Derived from 2.6.6's default client list ("ALL:+RC4:@STRENGTH" on OpenSSL 1.0.1e); runs only with its release tarballs.
  'postfix-2.6.6-openssl-1.0.1e': { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
};

const reference = {
  toolchain: 'debian-bookworm-legacy-openssl',
  certificate: { generate: ['rsa', 'ecdsa'] as ('rsa' | 'ecdsa')[] },
  mainCf: {
    smtpd_tls_protocols: '!SSLv2',
    smtpd_tls_mandatory_protocols: '!SSLv2',
    smtpd_tls_ciphers: 'export',
    smtpd_tls_mandatory_ciphers: 'export',
    tls_export_cipherlist: 'ALL:@SECLEVEL=0',
  },
};

describe('sender profiles negotiate what they claim against a permissive reference receiver', async () => {
  const profiles = [...(await loadSenderProfiles()).keys()];

  it('every profile has a claim in this test', () => {
    expect(profiles.filter((p) => !(p in CLAIMS))).toEqual([]);
  });

  it('one real handshake per profile', async ({ onTestFailed, annotate }) => {
    const runnable: string[] = [];
    for (const profile of profiles) {
      const scenario = defineScenario({ name: `probe-${profile}`.slice(0, 40), receiver: reference, senders: [{ profile, expect: { outcome: 'plaintext' } }] });
      const missing = await missingSources({ scenario, dir: process.cwd() });
      if (missing) {
        console.warn(`SKIPPED profile ${profile}: ${missing}`);
        await annotate(`profile ${profile} not checked: ${missing}`, 'notice');
      } else {
        runnable.push(profile);
      }
    }
    const scenario = defineScenario({
      name: 'profiles-vs-reference',
      receiver: reference,
      senders: runnable.map((profile) => {
        const claim = CLAIMS[profile]!;
        if (claim === 'plaintext') return { profile, expect: { outcome: 'plaintext' as const } };
        if (claim === 'plaintext-after-tls') return { profile, expect: { outcome: 'plaintext' as const, afterTlsFailure: true } };
        if ('fails' in claim) return { profile, expect: { outcome: 'handshake-failed' as const, failureClass: claim.fails, serverError: claim.serverError } };
        return { profile, expect: { outcome: 'tls' as const, protocol: claim.protocol as 'TLSv1', cipher: claim.cipher } };
      }),
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
