import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

describe('a 1024-bit DHE group', () => {
  it('is refused by clients at security level 2 with "dh key too small", and accepted at level 1 and by Postfix', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', 'debian-bullseye']);
    const result = await runScenario(await loadScenarioFile('test/fixtures/scenarios/dh1024.yaml', root));
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    const clientError = (name: string) => {
      const observed = result.senders.find((s) => s.name === name)?.observed;
      return observed?.kind === 'handshake-failed' ? observed.clientError : undefined;
    };
    expect(clientError('openssl-30')).toMatch(/^error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small:/);
    expect(clientError('openssl-111')).toMatch(/^error:141A318A:SSL routines:tls_process_ske_dhe:dh key too small:/);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
