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
 * Debian's stock toolchains as receivers, each configured to offer everything it has, against the
 * legacy-capable reference s_client: what the shipped library really negotiates.
 */
const CELLS = [...PROTOCOL_CELLS, ...SUITE_CELLS];

const STOCK: Matrix = {
  sslv3: 'fails',
  tls1: { tls: 'TLSv1' },
  'tls1-1': { tls: 'TLSv1.1' },
  'tls1-2': { tls: 'TLSv1.2' },
  'tls1-3': { tls: 'TLSv1.3' },
  rc4: 'fails',
  '3des': 'fails',
  dhe: { tls: 'TLSv1.2', cipher: 'DHE-RSA-AES128-SHA' },
  ecdhe: { tls: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-SHA' },
  'aes-gcm': { tls: 'TLSv1.2', cipher: 'AES128-GCM-SHA256' },
};

const CASES: { receiver: string; postfix: string; expected: Matrix; via: string; mainCf?: Record<string, string> }[] = [
  { receiver: 'debian-bookworm', postfix: '3.7.', expected: STOCK, via: 'maillog_file' },
  { receiver: 'debian-bullseye', postfix: '3.5.', expected: STOCK, via: 'maillog_file' },
  // Postfix 3.5 has maillog_file; without it the entrypoint takes the syslog path Postfix 2.x needs.
  { receiver: 'debian-bullseye', postfix: '3.5.', expected: STOCK, via: 'syslog', mainCf: { maillog_file: '' } },
  { receiver: 'debian-trixie', postfix: '3.10.', expected: STOCK, via: 'maillog_file' },
];

describe.each(CASES)('$receiver as a receiver, logging via $via', ({ receiver, postfix, expected, via, mainCf }) => {
  let result: ScenarioResult;
  beforeAll(async () => {
    await prepareImages([REFERENCE_TOOLCHAIN, receiver]);
    result = await runMatrix(
      matrixScenario({
        name: `matrix-${receiver}-${via.replace('_', '-')}`,
        receiver: await toolchain(receiver),
        client: await toolchain(REFERENCE_TOOLCHAIN),
        cells: CELLS,
        expected,
        ...(mainCf ? { mainCf } : {}),
      }),
    );
  });

  it('answers 220 and negotiates exactly the expected protocols and suites', () => {
    expect(result.error, failureAttachment(result)).toBeUndefined();
    expect(result.receiver.greeting).toMatch(/^220 /);
    if (via === 'syslog') expect(result.receiver.log.some((l) => l.includes('syslogd started: BusyBox'))).toBe(true);
    expect(verdicts(result), failureAttachment(result)).toEqual(allAsExpected(CELLS));
  });

  it('reports the Postfix and the library it declares, with no mismatch', () => {
    const report = receiverSelfReport(result);
    expect(report?.mailVersion?.startsWith(postfix)).toBe(true);
    expect(report?.mismatches).toEqual([]);
    expect(report?.protocols).not.toContain('SSLv3');
    expect(report?.cipherClasses).not.toContain('RC4');
  });
});
