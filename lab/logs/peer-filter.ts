import { LabError } from '../errors.ts';

/** Whether a session's peer (name as logged, address without brackets) is one the admin asked for. */
export type PeerMatcher = (name: string, addr: string) => boolean;

/** An address as a number of its family's width: 32 bits for IPv4, 128 for IPv6. */
interface Address {
  family: 4 | 6;
  value: bigint;
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => (value << 8n) | BigInt(part), 0n);
}

function ipv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head, rest] = halves.map((half) => (half === '' ? [] : half.split(':'))) as [string[], string[] | undefined];
  // An IPv4 tail (`::ffff:192.0.2.1`) stands for the last two groups.
  const last = rest ?? head;
  if (last.length > 0 && (last[last.length - 1] as string).includes('.')) {
    const v4 = ipv4(last.pop() as string);
    if (v4 === undefined) return undefined;
    last.push((v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16));
  }
  if (rest !== undefined && head.length + rest.length > 7) return undefined;
  const groups = rest === undefined ? head : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  if (groups.length !== 8 || !groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

/** An address as Postfix logs it; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) counts as its IPv4 address. */
function parseAddress(text: string): Address | undefined {
  const bare = text.replace(/^ipv6:/i, '');
  const v4 = ipv4(bare);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = bare.includes(':') ? ipv6(bare) : undefined;
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function cidrMatcher(text: string): PeerMatcher {
  const slash = text.lastIndexOf('/');
  const network = parseAddress(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  const width = network?.family === 4 ? 32 : 128;
  if (network === undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > width) {
    throw new LabError('LAB_USAGE', `--peer: "${text}" is no network: expected an IPv4 address and up to 32 bits, or an IPv6 one and up to 128, such as 192.0.2.0/24 or 2001:db8::/32`);
  }
  const shift = BigInt(width - Number(bits));
  const prefix = network.value >> shift;
  return (_name, addr) => {
    const address = parseAddress(addr);
    return address !== undefined && address.family === network.family && address.value >> shift === prefix;
  };
}

/**
 * The peers that `text` names: alternatives separated by commas, each a network in CIDR notation (`40.92.0.0/15`,
 * `2001:db8::/32`) that the address falls in, or else text that the name or the address contains, in any case.
 */
export function peerMatcher(text: string): PeerMatcher {
  const alternatives = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (alternatives.length === 0) throw new LabError('LAB_USAGE', '--peer: expected a name, an address or a network, such as mail.example.com, 192.0.2.7 or 192.0.2.0/24');
  const matchers = alternatives.map((alternative): PeerMatcher => {
    if (/^(?:ipv6:)?[0-9a-f:.]+\/\d+$/i.test(alternative)) return cidrMatcher(alternative);
    const needle = alternative.toLowerCase();
    return (name, addr) => name.toLowerCase().includes(needle) || addr.toLowerCase().includes(needle);
  });
  return (name, addr) => matchers.some((matches) => matches(name, addr));
}
