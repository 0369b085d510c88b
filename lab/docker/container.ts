import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { LabError, tail } from '../errors.ts';
import { dnsLabel } from './labels.ts';

// The lab removes what it creates by label, so it does not need testcontainers' reaper,
// whose image may not be pullable. An explicit setting from the user still wins.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export interface ContainerSpec {
  image: string;
  name: string;
  hostname: string;
  network: string;
  aliases?: string[];
  labels: Record<string, string>;
  command: string[];
  env?: Record<string, string>;
  files?: { path: string; content: string | Buffer; mode?: number }[];
  /**
   * A CA certificate (PEM) trusted as soon as the container runs, before anything is sent: appended to a CA bundle
   * file, and put in a CA directory under its subject hash, as c_rehash does.
   */
  trust?: { pem: string; bundle: string; directory: string };
}

/** The result of a command run inside a container; asserting on it is the caller's separate step. */
export interface ExecOutcome {
  command: string[];
  container: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  output: string;
  durationMs: number;
  timedOut: boolean;
}

/** exit status of coreutils `timeout` when the command ran out of time */
const TIMEOUT_EXIT = 124;

export class LabContainer {
  private readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  private partial = '';

  private constructor(
    readonly spec: ContainerSpec,
    private readonly started: StartedTestContainer,
  ) {}

  /** Creates and starts a container; its output is collected line by line from the start. */
  static async start(spec: ContainerSpec): Promise<LabContainer> {
    let self: LabContainer | undefined;
    const early: Buffer[] = [];
    let container = new GenericContainer(spec.image)
      .withName(dnsLabel(spec.name))
      .withHostname(spec.hostname)
      .withNetworkMode(spec.network)
      .withLabels(spec.labels)
      .withCommand(spec.command)
      .withEnvironment(spec.env ?? {})
      .withLogConsumer((stream) => {
        stream.on('data', (chunk: Buffer | string) => {
          const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
          if (self) self.take(buffer);
          else early.push(buffer);
        });
      });
    if (spec.aliases && spec.aliases.length > 0) container = container.withNetworkAliases(...spec.aliases);
    if (spec.files && spec.files.length > 0) {
      container = container.withCopyContentToContainer(
        spec.files.map((f) => ({ content: f.content, target: f.path, mode: f.mode ?? 0o644 })),
      );
    }
    let started: StartedTestContainer;
    try {
      started = await container.start();
    } catch (cause) {
      throw new LabError('LAB_CONTAINER_FAILED', `Cannot start container ${spec.name} from ${spec.image}: ${(cause as Error).message}`, {
        context: { container: spec.name, image: spec.image, command: spec.command },
        cause,
      });
    }
    self = new LabContainer(spec, started);
    for (const buffer of early) self.take(buffer);
    if (spec.trust !== undefined) {
      try {
        const script = 'printf \'%s\\n\' "$TLSLAB_TRUST" >> "$TLSLAB_BUNDLE" && printf \'%s\\n\' "$TLSLAB_TRUST" > "$TLSLAB_CA_DIR/tlslab-ca.pem" && ' +
          'ln -sf tlslab-ca.pem "$TLSLAB_CA_DIR/$(openssl x509 -hash -noout -in "$TLSLAB_CA_DIR/tlslab-ca.pem").0"';
        const added = await self.exec(['sh', '-c', script], { env: { TLSLAB_TRUST: spec.trust.pem, TLSLAB_BUNDLE: spec.trust.bundle, TLSLAB_CA_DIR: spec.trust.directory }, timeoutSeconds: 20 });
        assertExecSucceeded(added, `Adding CA certificates to ${spec.trust.bundle}`);
      } catch (error) {
        // Not yet handed to the caller, who would remove it: removed here.
        await self.remove().catch(() => undefined);
        throw error;
      }
    }
    return self;
  }

  /** The engine's name for the container. */
  get name(): string {
    return dnsLabel(this.spec.name);
  }

  get id(): string {
    return this.started.getId();
  }

  get ipAddress(): string {
    return this.started.getIpAddress(this.spec.network);
  }

  /** Every complete line the container printed so far (stdout and stderr). */
  logLines(): readonly string[] {
    return this.lines;
  }

  private take(buffer: Buffer): void {
    const text = this.partial + buffer.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.lines.push(part.replace(/\r$/, ''));
    for (const wake of this.waiters) wake();
  }

  /** Resolves at the next output line, or after `ms`, whichever comes first. */
  nextOutput(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Runs a command inside the container with a deadline enforced in the container itself. */
  async exec(command: string[], options: { env?: Record<string, string>; timeoutSeconds?: number } = {}): Promise<ExecOutcome> {
    const started = Date.now();
    const limit = options.timeoutSeconds ?? 60;
    const argv = ['timeout', '-k', '2', String(limit), ...command];
    try {
      const result = await this.started.exec(argv, { env: options.env ?? {} });
      return {
        command,
        container: this.name,
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        output: result.output,
        durationMs: Date.now() - started,
        timedOut: result.exitCode === TIMEOUT_EXIT,
      };
    } catch (cause) {
      throw new LabError('LAB_EXEC_FAILED', `Cannot run ${command[0] ?? 'a command'} in ${this.name}: ${(cause as Error).message}`, {
        context: { container: this.name, command, durationMs: Date.now() - started },
        cause,
      });
    }
  }

  /** Stops at once (the lab has already read what it needs) and removes the container. */
  async remove(): Promise<void> {
    await this.started.stop({ timeout: 0, remove: true, removeVolumes: true });
  }
}

/** Raises a coded error carrying the whole exec context when a command did not succeed. */
export function assertExecSucceeded(outcome: ExecOutcome, what: string): ExecOutcome {
  if (outcome.exitCode === 0) return outcome;
  throw new LabError(
    outcome.timedOut ? 'LAB_TIMEOUT' : 'LAB_EXEC_FAILED',
    `${what} failed in ${outcome.container} (exit ${outcome.exitCode}${outcome.timedOut ? ', timed out' : ''}, ${outcome.durationMs} ms): ${outcome.command.join(' ')}\n${tail(outcome.output, 15)}`,
    { context: { ...outcome, stdout: tail(outcome.stdout), stderr: tail(outcome.stderr) } },
  );
}
