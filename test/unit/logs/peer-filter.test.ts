import { describe, expect, it } from 'vitest';
import { peerMatcher } from '../../../lab/logs/peer-filter.ts';

const peers: [string, string][] = [
  ['mail-lf1-f44.google.com', '209.85.167.44'],
  ['Mail.Example.NET', '192.0.2.7'],
  ['unknown', '2001:db8:0:1::25'],
  ['mapped.example', '::ffff:198.51.100.9'],
  ['client_ip', ''],
];
const kept = (filter: string) => peers.filter(([name, addr]) => peerMatcher(filter)(name, addr)).map(([name]) => name);

describe('peerMatcher', () => {
  it('keeps peers whose name or address contains the text, in any case', () => {
    expect(kept('google')).toEqual(['mail-lf1-f44.google.com']);
    expect(kept('example.net')).toEqual(['Mail.Example.NET']);
    expect(kept('192.0.2')).toEqual(['Mail.Example.NET']);
    expect(kept('CLIENT_IP')).toEqual(['client_ip']);
  });

  it('keeps addresses in a network, IPv4 and IPv6; an IPv4-mapped address is its IPv4 address', () => {
    expect(kept('209.85.0.0/16')).toEqual(['mail-lf1-f44.google.com']);
    expect(kept('209.85.167.44/32')).toEqual(['mail-lf1-f44.google.com']);
    expect(kept('209.85.167.45/32')).toEqual([]);
    expect(kept('0.0.0.0/0')).toEqual(['mail-lf1-f44.google.com', 'Mail.Example.NET', 'mapped.example']);
    expect(kept('198.51.100.0/24')).toEqual(['mapped.example']);
    expect(kept('2001:db8::/32')).toEqual(['unknown']);
    expect(kept('2001:db8:0:1::/64')).toEqual(['unknown']);
    expect(kept('2001:db8:0:2::/64')).toEqual([]);
    expect(kept('ipv6:2001:DB8::/32')).toEqual(['unknown']);
  });

  it('takes alternatives separated by commas', () => {
    expect(kept('google, 192.0.2.0/24 ,2001:db8::/32')).toEqual(['mail-lf1-f44.google.com', 'Mail.Example.NET', 'unknown']);
  });

  it.each(['209.85.0.0/33', '2001:db8::/129', '300.1.1.1/8', '2001:db8:::1/64', '1:2:3:4:5:6:7::8/64', ' , '])('refuses %j with a usage error', (filter) => {
    expect(() => peerMatcher(filter)).toThrow(expect.objectContaining({ code: 'LAB_USAGE' }));
  });
});
