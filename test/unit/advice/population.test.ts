import { describe, expect, it } from 'vitest';
import { loadPopulation } from '../../../lab/advice/population.ts';
import { loadSenderProfiles } from '../../../lab/senders/profiles.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';

describe('loadPopulation', () => {
  it('takes every profile except those marked population: false, and says which toolchains cannot be built', async () => {
    const profiles = await loadSenderProfiles();
    const population = await loadPopulation(await loadToolchains(), { profiles, sources: { sourcesDir: '/nonexistent-tlslab-sources' } });
    const names = population.senders.map((s) => s.profile);
    expect(profiles.get('tls12-fallback-scsv')?.population).toBe(false);
    expect(names).not.toContain('tls12-fallback-scsv');
    expect(names).toEqual(expect.arrayContaining(['tls10-only', 'gmail-2018', 'postfix-3-debian', 'exim-gnutls-debian']));
    expect(names).not.toContain('postfix-2.6.6-openssl-1.0.1e');
    expect(population.skipped.join('\n')).toContain('sender postfix-2.6.6-openssl-1.0.1e: toolchain postfix-2.6.6-openssl-1.0.1e cannot be built here');
    expect(population.outbound.length).toBeGreaterThanOrEqual(6);
  });
});
