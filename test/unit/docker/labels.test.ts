import { describe, expect, it } from 'vitest';
import { dnsLabel } from '../../../lab/docker/labels.ts';

describe('dnsLabel', () => {
  it('keeps a name of up to 63 characters as it is', () => {
    const name = `tlslab-20261129052234-ehuxi2-${'x'.repeat(34)}`;
    expect(name).toHaveLength(63);
    expect(dnsLabel(name)).toBe(name);
  });

  it('cuts a longer name to 63 characters, unique by a hash of the whole name', () => {
    const base = 'tlslab-20261129052234-ehuxi2-fallback-scsv-debian-trixie';
    const a = dnsLabel(`${base}-plain-tls12`);
    const b = dnsLabel(`${base}-plain-tls13`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^tlslab-20261129052234-ehuxi2-fallback-scsv-debian-[a-z]+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(dnsLabel(`${base}-plain-tls12`)).toBe(a);
  });

  it('never ends the cut part with a dash or a dot', () => {
    expect(dnsLabel(`${'a'.repeat(53)}-.${'b'.repeat(20)}`)).toMatch(/^a{53}-[0-9a-f]{8}$/);
  });
});
