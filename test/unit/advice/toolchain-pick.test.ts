import { describe, expect, it } from 'vitest';
import { pickToolchain, versionDistance } from '../../../lab/advice/toolchain-pick.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';

const toolchains = await loadToolchains();

describe('pickToolchain', () => {
  it.each([
    [{ postfix: '2.6.6', openssl: '1.0.1e' }, 'postfix-2.6.6-openssl-1.0.1e'],
    [{ postfix: '2.10.1', openssl: '1.0.1e-fips' }, 'postfix-2.6.6-openssl-1.0.1e'],
    [{ postfix: '2.11.3', openssl: '1.0.2k' }, 'postfix-2.11.11-openssl-1.0.2u'],
    [{ postfix: '3.5.25', openssl: '1.1.1w' }, 'debian-bullseye'],
    [{ postfix: '3.7.11', openssl: '3.0.15' }, 'debian-bookworm'],
    [{ postfix: '3.10.1' }, 'debian-trixie'],
    [{ openssl: '3.5.1' }, 'debian-trixie'],
  ])('%o → %s', (versions, expected) => {
    const choice = pickToolchain(toolchains, versions);
    expect(choice.toolchain).toBe(expected);
    expect(choice.reason).toContain(expected);
  });

  it('leaves out a toolchain that only adds a client to its parent\'s Postfix', () => {
    const choice = pickToolchain(toolchains, { postfix: '3.7.11', openssl: '3.0.15' });
    expect(choice.reason).toContain('next: debian-bookworm-legacy-openssl');
    expect(choice.reason).not.toContain('debian-bookworm-java');
  });

  it('falls back to debian-bookworm and says why when no version is known', () => {
    expect(pickToolchain(toolchains, {})).toMatchObject({ toolchain: 'debian-bookworm', reason: expect.stringContaining('no Postfix or OpenSSL version') });
  });

  it('weighs a major before a minor before a patch, ignoring parts a declaration leaves out', () => {
    expect(versionDistance('3.0.13', '3.0')).toBe(0);
    expect(versionDistance('1.0.1e', '1.0.2u')).toBeLessThan(versionDistance('1.0.1e', '1.1.1'));
    expect(versionDistance('1.0.1e', '1.0.1e')).toBe(0);
  });
});
