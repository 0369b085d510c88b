import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

/**
 * A TLS 1.3 client that offers only the CCM suites, as scanners do: OpenSSL servers enable the GCM and ChaCha20
 * suites alone, and Postfix's cipher settings do not reach TLS 1.3, so every Debian Postfix says "no shared
 * cipher"; OpenSSL 1.1.1 in tls_early_post_process_client_hello, where it picks the TLS 1.3 suite.
 */
const CASES = [
  { receiver: 'debian-bullseye', error: /error:142090C1:SSL routines:tls_early_post_process_client_hello:no shared cipher:/ },
  { receiver: 'debian-bookworm', error: /error:0A0000C1:SSL routines::no shared cipher:/ },
  { receiver: 'debian-trixie', error: /error:0A0000C1:SSL routines::no shared cipher:/ },
];

describe.each(CASES)('a TLS 1.3 client with only CCM suites, against $receiver', ({ receiver, error }) => {
  it('gets "no shared cipher", whatever the TLS 1.2 cipher settings', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', receiver]);
    const scenario = defineScenario({
      name: `tls13-ccm-${receiver}`,
      receiver: { toolchain: receiver, mainCf: { smtpd_tls_ciphers: 'low', smtpd_tls_exclude_ciphers: '' } },
      senders: [
        { name: 'ccm-only', client: 'openssl', tls: { minProtocol: 'TLSv1.3', ciphersuites: 'TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256' }, expect: { outcome: 'handshake-failed', failureClass: 'no-shared-cipher', fate: 'not-sent' } },
        { name: 'gcm', client: 'openssl', tls: { minProtocol: 'TLSv1.3', ciphersuites: 'TLS_AES_128_GCM_SHA256' }, expect: { outcome: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } },
      ],
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    const observed = result.senders.find((s) => s.name === 'ccm-only')?.observed;
    expect(observed?.kind === 'handshake-failed' ? observed.serverError : '').toMatch(error);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
