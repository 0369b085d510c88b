import { LabContainer } from '../docker/container.ts';
import { runLabels } from '../docker/labels.ts';
import { renderMainCf } from '../receiver/config-files.ts';

/**
 * Postfix's own complaints about a main.cf, as `postconf -n` prints them on the receiver's image
 * (unused or unknown parameters, bad values): Postfix's daemons do not log an unknown parameter,
 * so the run's log alone would miss it. Runs in a throw-away container without a network.
 */
export async function postconfWarnings(image: string, mainCf: Record<string, string>, runId: string, name: string): Promise<string[]> {
  const container = await LabContainer.start({
    image,
    name: `tlslab-${runId}-${name}`,
    hostname: 'postconf-check',
    network: 'none',
    labels: runLabels(runId),
    command: ['idle'],
    files: [{ path: '/tmp/tlslab-main.cf', content: `${renderMainCf(mainCf)}\n` }],
  });
  try {
    const result = await container.exec(['sh', '-c', 'cp /tmp/tlslab-main.cf /etc/postfix/main.cf && postconf -n 2>&1 >/dev/null'], { timeoutSeconds: 20 });
    return result.output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /\b(warning|fatal|error):/.test(l))
      .map((l) => l.replace(/^postconf: /, '').replace('/tmp/tlslab-main.cf', '/etc/postfix/main.cf'));
  } finally {
    await container.remove();
  }
}
