/** Every failure the lab expects to meet has a code, so callers and the CLI can react to it. */
export type LabErrorCode =
  | 'LAB_DOCKER_UNAVAILABLE'
  | 'LAB_SCENARIO_INVALID'
  | 'LAB_IMAGE_BUILD_FAILED'
  | 'LAB_BOOTSTRAP_FAILED'
  | 'LAB_SOURCE_MISSING'
  | 'LAB_SOURCE_UNTRUSTED'
  | 'LAB_TOOLCHAIN_UNKNOWN'
  | 'LAB_CONTAINER_FAILED'
  | 'LAB_EXEC_FAILED'
  | 'LAB_TIMEOUT'
  | 'LAB_USAGE'
  | 'LAB_INPUT_INVALID'
  | 'LAB_INTERRUPTED';

export interface LabErrorOptions {
  /** Facts a human needs to act on the error: what ran, where, the tail of its output. */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export class LabError extends Error {
  override readonly name = 'LabError';
  readonly code: LabErrorCode;
  readonly context: Record<string, unknown>;

  constructor(code: LabErrorCode, message: string, options: LabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
  }
}

export function isLabError(error: unknown, code?: LabErrorCode): error is LabError {
  return error instanceof LabError && (code === undefined || error.code === code);
}

/** The last `lines` lines of a text, for error messages that must stay readable. */
export function tail(text: string, lines = 20): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}
