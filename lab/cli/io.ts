import type { Readable, Writable } from 'node:stream';

/** What a CLI command may touch; tests pass their own streams to drive commands in-process. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), env: process.env };
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, expectationFailed: 1, usage: 2 } as const;
