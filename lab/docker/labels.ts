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
