import type { ProgressEvent, ProgressSink } from '../images/progress.ts';
import type { CliIo } from './io.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Renders progress on stderr: a self-rewriting status line on a terminal, plain lines otherwise
 * (CI logs), with build output only when verbose.
 */
export function progressPrinter(io: CliIo, verbose = false): ProgressSink & { finish(): void } {
  const tty = Boolean(io.stderr.isTTY);
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) io.stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  const print = (text: string) => {
    clearStatus();
    io.stderr.write(`${text}\n`);
  };
  const sink = (event: ProgressEvent) => {
    switch (event.kind) {
      case 'phase':
        print(`[${event.phase}] ${event.detail ?? ''}`.trimEnd());
        break;
      case 'done':
        print(`[${event.phase}] ${event.detail ?? 'done'} (${seconds(event.elapsedMs)})`);
        break;
      case 'step': {
        const text = `[image] ${event.image} step ${event.step}/${event.total} (${seconds(event.elapsedMs)}) ${event.text}`;
        if (tty) {
          clearStatus();
          io.stderr.write(text.slice(0, (process.stderr.columns || 120) - 1));
          statusShown = true;
        } else {
          print(text);
        }
        break;
      }
      case 'output':
        if (verbose) print(`  ${event.line}`);
        break;
    }
  };
  return Object.assign(sink, { finish: clearStatus });
}
