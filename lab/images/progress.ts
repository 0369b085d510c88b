/** Where long-running work reports what it is doing. The CLI renders it; tests may collect it. */
export type ProgressEvent =
  | { kind: 'phase'; phase: string; detail?: string }
  | { kind: 'step'; image: string; step: number; total: number; text: string; elapsedMs: number }
  | { kind: 'output'; image: string; line: string }
  | { kind: 'done'; phase: string; detail?: string; elapsedMs: number };

export type ProgressSink = (event: ProgressEvent) => void;

export const silentProgress: ProgressSink = () => {};
