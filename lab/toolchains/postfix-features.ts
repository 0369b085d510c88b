import type { TlsProtocol } from '../scenario/tls-vocabulary.ts';
import { PROTOCOLS, protocolRank } from '../scenario/tls-vocabulary.ts';

/** "3.7.11" → [3, 7, 11]; "3.7" → [3, 7, 0] */
export function parseVersion(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

/** True when `version` is at least one of the given releases of its own major.minor line, or any later line. */
function atLeastOnBranch(version: string, thresholds: Record<string, number>, laterThan: [number, number]): boolean {
  const [major, minor, patch] = parseVersion(version);
  const branch = thresholds[`${major}.${minor}`];
  if (branch !== undefined) return patch >= branch;
  return major > laterThan[0] || (major === laterThan[0] && minor > laterThan[1]);
}

/**
 * Protocol names this Postfix accepts in *_tls_protocols. TLSv1.1/1.2 came with 2.6.15, 2.7.9,
 * 2.8.10 and 2.9.2; TLSv1.3 with 3.4 and 3.0.14, 3.1.10, 3.2.7, 3.3.2.
 */
export function knownProtocolNames(postfixVersion: string): string[] {
  const names = ['SSLv2', 'SSLv3', 'TLSv1'];
  if (atLeastOnBranch(postfixVersion, { '2.6': 15, '2.7': 9, '2.8': 10, '2.9': 2 }, [2, 9])) names.push('TLSv1.1', 'TLSv1.2');
  if (atLeastOnBranch(postfixVersion, { '3.0': 14, '3.1': 10, '3.2': 7, '3.3': 2 }, [3, 3])) names.push('TLSv1.3');
  return names;
}

/**
 * The exclusion list (`!SSLv2, !SSLv3, ...`) that limits a Postfix to [min, max], in the syntax every
 * version understands. Returns undefined when this Postfix cannot name a protocol it would have to exclude.
 */
export function protocolExclusions(postfixVersion: string, min?: TlsProtocol, max?: TlsProtocol): string | undefined {
  const known = knownProtocolNames(postfixVersion);
  const excluded = ['SSLv2'];
  for (const protocol of PROTOCOLS) {
    const below = min !== undefined && protocolRank(protocol) < protocolRank(min);
    const above = max !== undefined && protocolRank(protocol) > protocolRank(max);
    if (!below && !above) continue;
    if (!known.includes(protocol)) {
      // A protocol this Postfix cannot name is one its TLS library predates, except when limiting the top.
      if (above) return undefined;
      continue;
    }
    excluded.push(protocol);
  }
  return excluded.map((p) => `!${p}`).join(', ');
}
