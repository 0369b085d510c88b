import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../lab/scenario/result.ts';
import { failureAttachment } from './support.ts';
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
 * Debian's openssl rebuilt with SSLv3 and the weak suites, as receivers: everything must really
 * negotiate once both sides are at security level 0, proven by handshakes, not by `openssl ciphers`.
 */
const CELLS = [...PROTOCOL_CELLS, ...SUITE_CELLS];

const EVERYTHING: Matrix = {
  sslv3: { tls: 'SSLv3' },
  tls1: { tls: 'TLSv1' },
  'tls1-1': { tls: 'TLSv1.1' },
  'tls1-2': { tls: 'TLSv1.2' },
  'tls1-3': { tls: 'TLSv1.3' },
  rc4: { tls: 'TLSv1.2', cipher: 'RC4-SHA' },
  '3des': { tls: 'TLSv1.2', cipher: 'DES-CBC3-SHA' },
  dhe: { tls: 'TLSv1.2', cipher: 'DHE-RSA-AES128-SHA' },
  ecdhe: { tls: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-SHA' },
  'aes-gcm': { tls: 'TLSv1.2', cipher: 'AES128-GCM-SHA256' },
};

const CASES: { receiver: string; postfix: string; library: string; expected: Matrix }[] = [
  { receiver: 'debian-bookworm-legacy-openssl', postfix: '3.7.', library: 'OpenSSL 3.0.', expected: EVERYTHING },
  { receiver: 'debian-bullseye-legacy-openssl', postfix: '3.5.', library: 'OpenSSL 1.1.1', expected: EVERYTHING },
];

describe.each(CASES)('$receiver as a receiver', ({ receiver, postfix, library, expected }) => {
  let result: ScenarioResult;
  beforeAll(async () => {
    await prepareImages([REFERENCE_TOOLCHAIN, receiver]);
    result = await runMatrix(
      matrixScenario({ name: `matrix-${receiver}`, receiver: await toolchain(receiver), client: await toolchain(REFERENCE_TOOLCHAIN), cells: CELLS, expected }),
    );
  });

  it('answers 220 and negotiates SSLv3 … TLS 1.3, RC4, 3DES, DHE, ECDHE and AES-GCM', () => {
    expect(result.error, failureAttachment(result)).toBeUndefined();
    expect(verdicts(result), failureAttachment(result)).toEqual(allAsExpected(CELLS));
  });

  it('runs Postfix and swaks on the rebuilt library, which reports SSLv3 and the weak suites', () => {
    const report = receiverSelfReport(result);
    expect(report?.mailVersion?.startsWith(postfix)).toBe(true);
    expect(report?.linkedTls?.startsWith(library)).toBe(true);
    expect(report?.clientTls).toBe(report?.linkedTls);
    expect(report?.mismatches).toEqual([]);
    expect(report?.protocols).toEqual(expect.arrayContaining(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']));
    expect(report?.cipherClasses).toEqual(expect.arrayContaining(['RC4', '3DES', 'DHE', 'ECDHE', 'AESGCM']));
  });
});
