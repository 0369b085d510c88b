import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LogAnalyzer } from './analyze.ts';
import { FastAnalyzer, RECORD } from './fast-analyze.ts';
import { META, META_BYTES, META_COUNT, META_END, META_EVENTS, META_FOREIGN, META_LINES, SLOT_FULL, type ScanJob, type ScanMessage, type ScanStart } from './scan-slots.ts';

/*
 * The reading half of `analyzeLogs` for a large plain file, in a thread of its own: it reads the file into shared
 * slots, scans each line's header and fast form into records (`FastAnalyzer.recordLines`), and hands each slot to
 * the analyzing thread, which replays the records in order. Slots go round: a slot is refilled only after the
 * analyzing thread has released it.
 */

function run(job: ScanJob, start: number): void {
  const port = parentPort as MessagePort;
  const states = new Int32Array(job.states);
  const meta = new Float64Array(job.meta);
  const slots = job.slots.map(({ bytes, records }) => ({ buf: Buffer.from(bytes), records: new Int32Array(records) }));
  const scanner = FastAnalyzer.recorder(new LogAnalyzer());
  const fd = openSync(job.path, 'r');
  try {
    let carry: Buffer | undefined;
    let position = start;
    let slot = 0;
    for (;;) {
      Atomics.wait(states, slot, SLOT_FULL);
      const { buf, records } = slots[slot] as { buf: Buffer; records: Int32Array };
      const capacity = records.length / RECORD;
      let end = 0;
      if (carry !== undefined) end = carry.copy(buf, 0);
      const read = readSync(fd, buf, end, buf.length - end, position);
      position += read;
      end += read;
      // At the end of the file, what is left is a last line without a newline (or nothing).
      const last = read === 0 ? end - 1 : buf.lastIndexOf(10, end - 1);
      if (last < 0 && read > 0) {
        if (end < buf.length) {
          carry = Buffer.from(buf.subarray(0, end));
          continue;
        }
        // A line longer than a slot: the analyzing thread reads the rest of the file itself, from that line on.
        port.postMessage({ fallbackAt: position - end } satisfies ScanMessage);
        return;
      }
      const { next, count } = last < 0 ? { next: 0, count: 0 } : scanner.recordLines(buf, 0, last + 1, records, capacity);
      carry = next < end ? Buffer.from(buf.subarray(next, end)) : undefined;
      const skipped = scanner.takeSkipped();
      const at = slot * META;
      meta[at + META_COUNT] = count;
      meta[at + META_LINES] = skipped.lines;
      meta[at + META_FOREIGN] = skipped.foreign;
      meta[at + META_EVENTS] = skipped.events;
      meta[at + META_BYTES] = position;
      const done = read === 0 && carry === undefined;
      meta[at + META_END] = done ? 1 : 0;
      Atomics.store(states, slot, SLOT_FULL);
      port.postMessage({ slot, peerNames: scanner.takePeerNames() } satisfies ScanMessage);
      if (done) return;
      slot = (slot + 1) % slots.length;
    }
  } finally {
    closeSync(fd);
  }
}

if (parentPort === null) throw new Error('scan-worker: not started as a worker thread');
// The listener also keeps the worker up until the analyzing thread terminates it: it takes an exit for a failure.
let started = false;
parentPort.on('message', ({ start }: ScanStart) => {
  if (started) return;
  started = true;
  run(workerData as ScanJob, start);
});
parentPort.postMessage({ ready: true } satisfies ScanMessage);
