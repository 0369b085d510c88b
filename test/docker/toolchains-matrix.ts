import { connectEngine } from '../../lab/docker/engine.ts';
import { ensureToolchainImage } from '../../lab/images/build.ts';
import type { ProgressSink } from '../../lab/images/progress.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import type { ScenarioResult } from '../../lab/scenario/result.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { Expectation, ScenarioInput } from '../../lab/scenario/schema.ts';
import type { TlsProtocol } from '../../lab/scenario/tls-vocabulary.ts';
import type { Toolchain } from '../../lab/toolchains/model.ts';
import { loadToolchains } from '../../lab/toolchains/registry.ts';
import type { ToolchainSelfReport } from '../../lab/toolchains/self-report.ts';
import { unusableSources } from './sources-gate.ts';

/** The legacy-capable peer every matrix runs against: SSLv3 … TLS 1.3, RC4, 3DES, DHE, ECDHE. */
export const REFERENCE_TOOLCHAIN = 'debian-bookworm-legacy-openssl';

/** One handshake of the matrix: a protocol, or a representative suite at TLS 1.2. */
export interface MatrixCell {
  name: string;
  protocol?: TlsProtocol;
  /** One suite (OpenSSL name); the cell then runs at TLS 1.2 or lower. */
  suite?: string;
}

export const PROTOCOL_CELLS: MatrixCell[] = [
  { name: 'sslv3', protocol: 'SSLv3' },
  { name: 'tls1', protocol: 'TLSv1' },
  { name: 'tls1-1', protocol: 'TLSv1.1' },
  { name: 'tls1-2', protocol: 'TLSv1.2' },
  { name: 'tls1-3', protocol: 'TLSv1.3' },
];

export const SUITE_CELLS: MatrixCell[] = [
  { name: 'rc4', suite: 'RC4-SHA' },
  { name: '3des', suite: 'DES-CBC3-SHA' },
  { name: 'dhe', suite: 'DHE-RSA-AES128-SHA' },
  { name: 'ecdhe', suite: 'ECDHE-RSA-AES128-SHA' },
  { name: 'aes-gcm', suite: 'AES128-GCM-SHA256' },
];

/** What a cell must give: a handshake with that protocol (and cipher), or a failed handshake. */
export type CellExpectation = { tls: TlsProtocol; cipher?: string } | 'fails';

export type Matrix = Record<string, CellExpectation>;

/** OpenSSL before 1.1.0 has no security levels and refuses the @SECLEVEL command. */
function hasSecurityLevels(toolchain: Toolchain): boolean {
  return toolchain.tls.library === 'openssl' && !/^(0\.|1\.0\.)/.test(toolchain.tls.version);
}

function expectation(cell: CellExpectation): Expectation {
  return cell === 'fails' ? { outcome: 'handshake-failed' } : { outcome: 'tls', protocol: cell.tls, ...(cell.cipher ? { cipher: cell.cipher } : {}) };
}

/**
 * Main.cf that lets a receiver offer everything its Postfix and library know: every protocol, the
 * "export" grade (treated as "medium" from 3.8) with every cipher list opened up, and security level
 * 0 where the library has levels. ECDHE settings stay at the release's defaults.
 */
export function permissiveReceiver(toolchain: Toolchain): Record<string, string> {
  const all = hasSecurityLevels(toolchain) ? 'ALL:+RC4:@SECLEVEL=0' : 'ALL:+RC4';
  return {
    smtpd_tls_protocols: '',
    smtpd_tls_ciphers: 'export',
    tls_export_cipherlist: all,
    tls_low_cipherlist: all,
    tls_medium_cipherlist: all,
    smtpd_tls_loglevel: '1',
  };
}

/** The scenario for one matrix: a receiver and one s_client sender per cell. */
export function matrixScenario(options: {
  name: string;
  receiver: Toolchain;
  client: Toolchain;
  cells: MatrixCell[];
  expected: Matrix;
  /** Receiver parameters on top of the permissive ones. */
  mainCf?: Record<string, string>;
}): ScenarioInput {
  const seclevel = hasSecurityLevels(options.client) ? ':@SECLEVEL=0' : '';
  return {
    name: options.name,
    description: `handshake matrix: ${options.client.name} s_client against a permissive ${options.receiver.name} receiver`,
    receiver: { toolchain: options.receiver.name, mainCf: { ...permissiveReceiver(options.receiver), ...options.mainCf } },
    senders: options.cells.map((cell) => {
      const expected = options.expected[cell.name];
      if (expected === undefined) throw new Error(`matrix ${options.name}: no expectation for cell ${cell.name}`);
      return {
        name: cell.name,
        toolchain: options.client.name,
        client: 'openssl' as const,
        tls: cell.protocol
          ? { minProtocol: cell.protocol, maxProtocol: cell.protocol, ...(cell.protocol === 'TLSv1.3' ? {} : { ciphers: `ALL:COMPLEMENTOFALL${seclevel}` }) }
          : { maxProtocol: 'TLSv1.2' as const, ciphers: `${cell.suite}${seclevel}` },
        expect: expectation(expected),
      };
    }),
    timeoutSeconds: 60,
  };
}

/** One line per cell: what was expected and what really happened. */
export function observedMatrix(result: ScenarioResult): string {
  return result.senders
    .map((s) => {
      const o = s.observed;
      const seen = o.kind === 'tls'
        ? `TLS ${o.protocol} ${o.cipher}`
        : o.kind === 'handshake-failed'
          ? `handshake failed (${o.failureClass ?? 'unclassified'}): server "${o.serverError ?? '-'}" client "${o.clientError ?? '-'}"`
          : o.kind === 'unknown' ? `unknown: ${o.reason}` : o.kind;
      return `  ${s.held ? 'ok  ' : 'DIFF'} ${s.name.padEnd(8)} expected ${s.expected.padEnd(34)} observed ${seen}`;
    })
    .join('\n');
}

export function receiverSelfReport(result: ScenarioResult): ToolchainSelfReport | undefined {
  return result.selfReports.find((r) => r.role === 'receiver');
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export function buildProgress(label: string): ProgressSink {
  return (event) => {
    if (event.kind === 'phase' || event.kind === 'done') log(`[${label}] ${event.phase}: ${event.detail ?? ''}`);
    if (event.kind === 'step') log(`[${label}] ${event.image} step ${event.step}/${event.total} (${(event.elapsedMs / 1000).toFixed(0)} s) ${event.text.slice(0, 80)}`);
  };
}

/**
 * Builds the images a matrix needs, printing progress. Returns the lab's message when a release tarball is absent
 * or not trusted (see `unusableSources`), so the test can skip visibly instead of failing.
 */
export async function prepareImages(names: string[]): Promise<{ missing?: string }> {
  const engine = await connectEngine();
  const toolchains = await loadToolchains();
  for (const name of names) {
    const unusable = await unusableSources(name);
    if (unusable !== undefined) return { missing: unusable };
    const started = Date.now();
    const image = await ensureToolchainImage(engine, toolchains, name, { progress: buildProgress(name) });
    log(`[${name}] ${image.tag} ${image.built ? 'built' : 'ready'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return {};
}

export async function runMatrix(scenario: ScenarioInput): Promise<ScenarioResult> {
  const result = await runScenario({ scenario: defineScenario(scenario), dir: process.cwd() });
  log(`[${scenario.name}] receiver ready in ${(result.timings.receiverReadyMs / 1000).toFixed(1)} s; scenario ${(result.timings.totalMs / 1000).toFixed(1)} s`);
  log(`[${scenario.name}] ${result.receiver.greeting ?? '(no greeting)'}\n${observedMatrix(result)}`);
  const report = receiverSelfReport(result);
  if (report) {
    log(`[${scenario.name}] receiver self-report: Postfix ${report.mailVersion ?? '-'}, smtpd ${report.linkedTls ?? '-'} (${report.linkedLibrary ?? '-'}), ` +
      `protocols ${report.protocols?.join(' ') ?? '-'}, ${report.cipherCount ?? '?'} suites (${report.cipherClasses?.join(' ') ?? '-'}), mismatches: ${report.mismatches.join('; ') || 'none'}`);
  }
  return result;
}

export async function toolchain(name: string): Promise<Toolchain> {
  const toolchains = await loadToolchains();
  const found = toolchains.get(name);
  if (!found) throw new Error(`no toolchain ${name}`);
  return found;
}

/** Each cell's verdict: "as expected", or why not; a test compares the whole map at once. */
export function verdicts(result: ScenarioResult): Record<string, string> {
  return Object.fromEntries(result.senders.map((s) => [s.name, s.held ? 'as expected' : (s.mismatch ?? 'did not hold')]));
}

export function allAsExpected(cells: MatrixCell[]): Record<string, string> {
  return Object.fromEntries(cells.map((c) => [c.name, 'as expected']));
}
