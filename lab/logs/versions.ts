import type { InferredVersions, OpensslGeneration, TlsEvent } from './types.ts';

/** Numeric comparison of dotted versions (`2.10` > `2.9`). */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const right = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Map a version string given by a user (`1.0.1e-fips`, `3.0.13`, `1.1.1w`) to its error-format generation. */
export function generationOfVersion(version: string): OpensslGeneration | undefined {
  if (/^1\.0\.1/.test(version)) return '1.0.1';
  if (/^1\.0\.2/.test(version)) return '1.0.2';
  if (/^(?:1\.0\.0|1\.0\.x|0\.9)/.test(version)) return '1.0.x';
  if (/^1\.1\./.test(version)) return '1.1.x';
  if (/^3\./.test(version)) return '3.x';
  return undefined;
}

/**
 * Accumulates what the formats of a log reveal about its Postfix version and OpenSSL generation. Exact facts
 * (a logged version) win over format hints; among hints the narrowest range is kept.
 */
export class VersionInference {
  private postfixMin: string | undefined;
  private postfixMax: string | undefined;
  private readonly seenBounds = new Set<string>();
  private readonly state: InferredVersions = { evidence: [] };

  get versions(): InferredVersions {
    const range = this.range();
    const result: InferredVersions = { ...this.state, evidence: [...this.state.evidence] };
    if (range !== undefined) result.postfixRange = range;
    return result;
  }

  /** The current best OpenSSL generation, for classifying sessions as they close. */
  get openssl(): OpensslGeneration | undefined {
    return this.state.openssl;
  }

  get postfix(): string | undefined {
    return this.state.postfix;
  }

  observe(event: TlsEvent, line: string): void {
    switch (event.kind) {
      case 'daemon-started':
        if (this.state.postfix !== event.version) {
          this.state.postfix = event.version;
          this.note(line);
        }
        break;
      case 'tls-library-problem':
        if (event.error === undefined) break;
        // Postfix 2.11 (HISTORY 20131216) dropped the thread-id field.
        if (event.error.pid !== undefined) this.bound(undefined, '2.10', line);
        else this.bound('2.11', undefined, line);
        this.generation(event.error.generation, line);
        break;
      case 'tls-established':
        if (event.keyExchange !== undefined || event.trust === 'Verified') this.bound('3.4', undefined, line);
        break;
      case 'disconnect':
        // The per-command summary appeared in Postfix 3.0 (inference from release notes, not from a tag diff).
        if (event.commands !== undefined) this.bound('3.0', undefined, line);
        break;
      case 'tls-handshake-error':
        if (event.detail !== '-1' && !/^-?\d+$/.test(event.detail)) this.bound('2.9', undefined, line);
        break;
      case 'tls-state':
        // 1.0.x state strings end in a sub-state letter (`read client hello A`); 1.1.0 rewrote them.
        if (this.state.openssl === undefined && /(?:SSLv2\/v3|SSLv3) [a-z ]+ [A-C]$/.test(event.state)) this.generation('1.0.x', line);
        break;
      default:
        break;
    }
  }

  private generation(found: OpensslGeneration | undefined, line: string): void {
    if (found === undefined) return;
    const current = this.state.openssl;
    if (current === found) return;
    if (current === undefined || current === '1.0.x') {
      this.state.openssl = found;
      this.note(line);
    }
  }

  private bound(min: string | undefined, max: string | undefined, line: string): void {
    // Every line of a busy log repeats the same few bounds; compare each one only the first time it is seen.
    const key = min === undefined ? `<=${max ?? ''}` : `>=${min}`;
    if (this.seenBounds.has(key)) return;
    this.seenBounds.add(key);
    let changed = false;
    if (min !== undefined && (this.postfixMin === undefined || compareVersions(min, this.postfixMin) > 0)) {
      this.postfixMin = min;
      changed = true;
    }
    if (max !== undefined && (this.postfixMax === undefined || compareVersions(max, this.postfixMax) < 0)) {
      this.postfixMax = max;
      changed = true;
    }
    if (changed) this.note(line);
  }

  private range(): string | undefined {
    if (this.postfixMin !== undefined && this.postfixMax !== undefined) {
      // A log across an upgrade, or several servers' logs read together.
      if (compareVersions(this.postfixMin, this.postfixMax) > 0) return `>=${this.postfixMin} and <=${this.postfixMax}: lines of more than one version`;
      return `${this.postfixMin}-${this.postfixMax}`;
    }
    if (this.postfixMin !== undefined) return `>=${this.postfixMin}`;
    if (this.postfixMax !== undefined) return `<=${this.postfixMax}`;
    return undefined;
  }

  private note(line: string): void {
    if (this.state.evidence.length < 20) this.state.evidence.push(line);
  }
}
