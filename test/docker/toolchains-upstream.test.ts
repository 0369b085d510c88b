import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../lab/scenario/result.ts';
import { failureAttachment, runAsExpected } from './support.ts';
import {
  PROTOCOL_CELLS,
  REFERENCE_TOOLCHAIN,
  SUITE_CELLS,
  allAsExpected,
  matrixScenario,
  prepareImages,
  receiverSelfReport,
  runMatrix,
  toolchain,
  verdicts,
  type Matrix,
} from './toolchains-matrix.ts';

/**
 * Toolchains built from official release tarballs. Postfix ones are receivers against the reference
 * s_client; client-only OpenSSL ones are the s_client against the reference receiver. Without the
 * tarballs (see `tlslab sources list`) each test skips and prints the LAB_SOURCE_MISSING message.
 */
const NO_TLS13 = PROTOCOL_CELLS.filter((c) => c.protocol !== 'TLSv1.3');

const OLD_OPENSSL_EVERYTHING: Matrix = {
  sslv3: { tls: 'SSLv3' },
  tls1: { tls: 'TLSv1' },
  'tls1-1': { tls: 'TLSv1.1' },
  'tls1-2': { tls: 'TLSv1.2' },
  rc4: { tls: 'TLSv1.2', cipher: 'RC4-SHA' },
  '3des': { tls: 'TLSv1.2', cipher: 'DES-CBC3-SHA' },
  dhe: { tls: 'TLSv1.2', cipher: 'DHE-RSA-AES128-SHA' },
  ecdhe: { tls: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-SHA' },
  'aes-gcm': { tls: 'TLSv1.2', cipher: 'AES128-GCM-SHA256' },
};

const CASES: { toolchain: string; role: 'receiver' | 'client'; expected: Matrix; cells: typeof PROTOCOL_CELLS }[] = [
  {
    toolchain: 'postfix-2.6.6-openssl-1.0.1e',
    role: 'receiver',
    cells: [...PROTOCOL_CELLS, ...SUITE_CELLS],
    // 2.6 stable releases default smtpd_tls_eecdh_grade to "none": no ECDHE (facts A1); no TLS 1.3 in 1.0.1e.
    expected: { ...OLD_OPENSSL_EVERYTHING, 'tls1-3': 'fails', ecdhe: 'fails' },
  },
  {
    toolchain: 'postfix-2.11.11-openssl-1.0.2u',
    role: 'receiver',
    cells: [...PROTOCOL_CELLS, ...SUITE_CELLS],
    expected: { ...OLD_OPENSSL_EVERYTHING, 'tls1-3': 'fails' },
  },
  { toolchain: 'openssl-1.0.1e', role: 'client', cells: [...NO_TLS13, ...SUITE_CELLS], expected: OLD_OPENSSL_EVERYTHING },
  { toolchain: 'openssl-1.0.2u', role: 'client', cells: [...NO_TLS13, ...SUITE_CELLS], expected: OLD_OPENSSL_EVERYTHING },
  { toolchain: 'openssl-1.0.2p', role: 'client', cells: [...NO_TLS13, ...SUITE_CELLS], expected: OLD_OPENSSL_EVERYTHING },
  {
    // A stock 1.1.1 build: no SSLv3, RC4 or 3DES (ssl3 and weak-ssl-ciphers are off by default since 1.1.0), the rest at security level 1.
    toolchain: 'openssl-1.1.1w',
    role: 'client',
    cells: [...PROTOCOL_CELLS, ...SUITE_CELLS],
    expected: { ...OLD_OPENSSL_EVERYTHING, sslv3: 'fails', rc4: 'fails', '3des': 'fails', 'tls1-3': { tls: 'TLSv1.3' } },
  },
];

describe.each(CASES)('$toolchain as the $role', ({ toolchain: name, role, cells, expected }) => {
  let result: ScenarioResult | undefined;
  let missing: string | undefined;
  beforeAll(async () => {
    ({ missing } = await prepareImages([REFERENCE_TOOLCHAIN, name]));
    if (missing) {
      process.stderr.write(`[${name}] SKIPPED: ${missing}\n`);
      return;
    }
    const [tested, reference] = [await toolchain(name), await toolchain(REFERENCE_TOOLCHAIN)];
    result = await runMatrix(
      matrixScenario({
        name: `matrix-${name.replace(/\./g, '-')}`.slice(0, 41),
        receiver: role === 'receiver' ? tested : reference,
        client: role === 'receiver' ? reference : tested,
        cells,
        expected,
      }),
    );
  });

  it('negotiates exactly the expected protocols and suites', (ctx) => {
    if (missing) ctx.skip(missing);
    expect(result?.error, result && failureAttachment(result)).toBeUndefined();
    expect(result && verdicts(result), result && failureAttachment(result)).toEqual(allAsExpected(cells));
  });

  it('reports the declared Postfix and OpenSSL, with no mismatch', async (ctx) => {
    if (missing) ctx.skip(missing);
    const declared = await toolchain(name);
    const report = role === 'receiver' ? receiverSelfReport(result!) : result!.selfReports.find((r) => r.toolchain === name);
    expect(report?.mismatches).toEqual([]);
    if (declared.postfix) expect(report?.mailVersion).toBe(declared.postfix.version);
    expect(report?.opensslCommand).toContain(`OpenSSL ${declared.tls.version} `);
  });
});

describe.each(CASES.filter((c) => c.role === 'client'))('$toolchain verifying a certificate', ({ toolchain: name }) => {
  // Its default verify paths must reach the system's CA store, where the lab puts its root, as a distribution's OpenSSL does.
  it('trusts a certificate of the lab\'s CA through the system CA store, and refuses a self-signed one', async ({ onTestFailed, skip }) => {
    const { missing } = await prepareImages(['debian-bookworm', name]);
    if (missing) {
      process.stderr.write(`[${name}] SKIPPED: ${missing}\n`);
      skip(missing);
    }
    for (const [certificate, outcome] of [['lab-ca', 'tls'], ['self-signed', 'handshake-failed']] as const) {
      await runAsExpected({
        name: `verify-${certificate}-${name.replace(/\./g, '-')}`.slice(0, 41),
        receiver: { toolchain: 'debian-bookworm', ...(certificate === 'lab-ca' ? { certificate: { issuer: 'lab-ca' } } : {}) },
        senders: [{ name: 'verifying', toolchain: name, client: 'openssl', tls: { verifyCertificate: true }, expect: { outcome } }],
        timeoutSeconds: 10,
      }, process.cwd(), onTestFailed);
    }
  });
});
