import { compareVersions } from '../logs/versions.ts';
import { isReceiverPick, type Toolchain } from '../toolchains/model.ts';

/** The toolchain picked for an admin's server, and why. */
export interface ToolchainChoice {
  toolchain: string;
  reason: string;
}

/** `3.7.11` → [3, 7, 11]; `1.0.1e` → [1, 0, 1, 5] (the letter counts as a fourth number). */
export function versionParts(version: string): number[] {
  const match = /^(\d+(?:\.\d+)*)([a-z]*)/.exec(version.trim());
  if (!match) return [];
  const parts = match[1]!.split('.').map(Number);
  if (match[2]) parts.push(match[2].charCodeAt(0) - 96);
  return parts;
}

/**
 * How far two versions are apart: a different major weighs more than any minor, a minor more than
 * any patch. Parts one side does not state (a toolchain that declares "3.0") do not count.
 */
export function versionDistance(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  const weights = [1_000_000, 10_000, 100, 1];
  let distance = 0;
  for (let i = 0; i < Math.min(x.length, y.length, weights.length); i += 1) {
    distance += Math.abs(x[i]! - y[i]!) * weights[i]!;
    if (x[i] !== y[i]) break;
  }
  return distance;
}

/**
 * The declared toolchain closest to the admin's versions: the TLS library first (its version
 * decides which handshakes exist and what the errors say), then Postfix; on a tie a stock build
 * (no extra options) wins, as it is what distributions ship. With no version at all: debian-bookworm. With
 * `minPostfix`, only toolchains of that Postfix or later count, when there are any.
 */
export function pickToolchain(toolchains: ReadonlyMap<string, Toolchain>, versions: { postfix?: string; openssl?: string }, fallback = 'debian-bookworm', minPostfix?: string): ToolchainChoice {
  const declared = [...toolchains.values()].filter(isReceiverPick);
  const recent = minPostfix === undefined ? declared : declared.filter((t) => compareVersions(t.postfix!.version, minPostfix) >= 0);
  const servers = recent.length > 0 ? recent : declared;
  if (versions.postfix === undefined && versions.openssl === undefined) {
    return { toolchain: fallback, reason: `no Postfix or OpenSSL version given (--postfix-version, --openssl-version, or a "postconf -d" / "openssl version" dump in the config folder), so the default ${fallback}` };
  }
  const scored = servers.map((t) => ({
    t,
    tls: versions.openssl === undefined || t.tls.library !== 'openssl' ? 0 : versionDistance(versions.openssl, t.tls.version),
    postfix: versions.postfix === undefined ? 0 : versionDistance(versions.postfix, t.postfix!.version),
    extras: t.tls.options.length,
  }));
  scored.sort((a, b) => a.tls - b.tls || a.postfix - b.postfix || a.extras - b.extras || a.t.name.localeCompare(b.t.name));
  const best = scored[0];
  if (!best) return { toolchain: fallback, reason: 'no toolchain declares a Postfix' };
  const wanted = [versions.postfix && `Postfix ${versions.postfix}`, versions.openssl && `OpenSSL ${versions.openssl}`].filter(Boolean).join(' / ') +
    (servers === recent && minPostfix !== undefined ? ` among the toolchains with Postfix ${minPostfix} or later` : '');
  const exact = best.tls === 0 && best.postfix === 0;
  const runnersUp = scored.slice(1, 3).map((s) => `${s.t.name} (Postfix ${s.t.postfix!.version}, ${s.t.tls.library} ${s.t.tls.version})`);
  return {
    toolchain: best.t.name,
    reason: `${exact ? 'matches' : 'closest to'} ${wanted}: ${best.t.name} runs Postfix ${best.t.postfix!.version} with ${best.t.tls.library} ${best.t.tls.version}${exact ? '' : ' (the TLS library version counts first, then Postfix)'}${runnersUp.length ? `; next: ${runnersUp.join(', ')}` : ''}`,
  };
}
