import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { missingSources } from './sources-gate.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
const dirs = ['scenarios/reported-case', 'scenarios/reported-case/bookworm'];
const files = dirs.flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${dir}/${f}`));

describe('the reported case, reproduced on real toolchains', () => {
  it.for(files)('%s', async (file, context) => {
    const loaded = await loadScenarioFile(file, root);
    const missing = await missingSources(loaded);
    if (missing) {
      console.warn(`SKIPPED ${file}: ${missing}`);
      context.skip(`${file} needs release tarballs that are not in the sources directory: ${missing}`);
      return;
    }
    const result = await runScenario(loaded);
    context.onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const mismatches = [...result.senders, ...result.outbound].filter((s) => !s.held).map((s) => `${s.direction} ${s.name}: ${s.mismatch}`);
    expect(mismatches).toEqual([]);
    expect(result.missingWarnings).toEqual([]);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
