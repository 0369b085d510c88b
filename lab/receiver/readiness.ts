import type { LabContainer } from '../docker/container.ts';
import { LabError, isLabError } from '../errors.ts';

/** Reads the SMTP greeting from inside the container: the only proof that Postfix serves. */
const GREETING_PROBE = [
  'bash',
  '-c',
  'exec 3<>/dev/tcp/127.0.0.1/25 || exit 1; IFS= read -r -t 3 line <&3; printf "%s\\n" "$line"; printf "QUIT\\r\\n" >&3',
];

/**
 * Waits until the container's MTA answers 220 on port 25. `role` says what the container is in the scenario, such
 * as "receiver" or "sender MTA x". The error names it, the phase, what was awaited and the last lines of the
 * container's log; a container that stopped (an MTA that refused its configuration) fails at once.
 */
export async function waitForSmtpGreeting(container: LabContainer, timeoutMs: number, signal?: AbortSignal, role = 'receiver'): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stopped = false;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new LabError('LAB_INTERRUPTED', `interrupted while waiting for the ${role}`);
    try {
      const probe = await container.exec(GREETING_PROBE, { timeoutSeconds: 5 });
      const greeting = probe.stdout.trim();
      if (greeting.startsWith('220')) return greeting;
      last = greeting || probe.stderr.trim();
    } catch (error) {
      if (!isLabError(error, 'LAB_EXEC_FAILED')) throw error;
      last = error.message;
      if (/is not running|No such container/i.test(last)) {
        stopped = true;
        break;
      }
    }
    await container.nextOutput(100, signal);
  }
  const log = container.logLines().slice(-20);
  const context = { phase: 'readiness', role, container: container.name, awaited: 'SMTP 220 greeting', lastProbe: last, log };
  const subject = `${role.charAt(0).toUpperCase()}${role.slice(1)} ${container.name}`;
  if (stopped) {
    throw new LabError('LAB_CONTAINER_FAILED', `${subject} stopped before it answered "220" on port 25 (phase: readiness). Last log lines:\n${log.join('\n')}`, { context });
  }
  throw new LabError(
    'LAB_TIMEOUT',
    `${subject} did not answer "220" on port 25 within ${timeoutMs / 1000} s (phase: readiness). ` +
      `Last probe: ${last || 'no answer'}. Last log lines:\n${log.join('\n')}`,
    { context },
  );
}
