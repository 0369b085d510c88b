import Docker from 'dockerode';
import { LabError } from '../errors.ts';

export type Engine = Docker;

/**
 * Connects to the Docker engine named by DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH),
 * or the local socket, and proves it answers.
 */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env, timeoutMs = 5_000): Promise<Engine> {
  const docker = new Docker();
  const where = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  try {
    await withDeadline(docker.ping(), timeoutMs);
    return docker;
  } catch (cause) {
    throw new LabError(
      'LAB_DOCKER_UNAVAILABLE',
      `Cannot reach the Docker engine at ${where}. Is dockerd running? Start it (for example "sudo dockerd &" or ` +
        '"sudo systemctl start docker"), or point DOCKER_HOST at a reachable engine.',
      { context: { dockerHost: where }, cause },
    );
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export async function imageExists(engine: Engine, tag: string): Promise<boolean> {
  try {
    await engine.getImage(tag).inspect();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { statusCode?: number }).statusCode === 404;
}

/** Reads a Docker JSON-message stream (pull, build, import) to its end, calling back on each message. */
export function followProgress(
  engine: Engine,
  stream: NodeJS.ReadableStream,
  onMessage: (message: DockerStreamMessage) => void,
): Promise<DockerStreamMessage[]> {
  return new Promise((resolve, reject) => {
    engine.modem.followProgress(
      stream,
      (error: Error | null, output: DockerStreamMessage[]) => (error ? reject(error) : resolve(output)),
      onMessage,
    );
  });
}

export interface DockerStreamMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}
