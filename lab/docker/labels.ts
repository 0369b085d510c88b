import { createHash } from 'node:crypto';

/** Every resource the lab creates carries these labels, so leftovers of a crashed run can be found. */
export const LABEL = {
  managed: 'dev.tlslab.managed',
  runId: 'dev.tlslab.run-id',
  scenario: 'dev.tlslab.scenario',
  role: 'dev.tlslab.role',
  recipe: 'dev.tlslab.recipe',
  contentHash: 'dev.tlslab.content-hash',
  buildSeconds: 'dev.tlslab.build-seconds',
} as const;

export function runLabels(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.runId]: runId, ...extra };
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The longest DNS label. */
const MAX_DNS_LABEL = 63;

/**
 * `name` made fit for one DNS label: unchanged when short enough, else cut and kept unique by a hash of the whole.
 * Docker's DNS answers a reverse lookup with `<container>.<network>`; Postfix then looks that name up, and a label
 * over 63 characters makes the lookup hang until the resolver times out (seconds per connection).
 */
export function dnsLabel(name: string): string {
  if (name.length <= MAX_DNS_LABEL) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_DNS_LABEL - hash.length - 1).replace(/[-.]+$/, '')}-${hash}`;
}
