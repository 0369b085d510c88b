/** The shared memory between the scanning worker (scan-worker.ts) and the thread that analyzes its records. */

/** What the analyzing thread gives the worker. */
export interface ScanJob {
  path: string;
  /** Per slot: the bytes of its lines, and their records. */
  slots: { bytes: SharedArrayBuffer; records: SharedArrayBuffer }[];
  /** Per slot: SLOT_FREE or SLOT_FULL. */
  states: SharedArrayBuffer;
  /** Per slot, META numbers: see the META_* offsets. */
  meta: SharedArrayBuffer;
}

/** Size of one slot: bytes of lines, and records. A slot must hold a line, or the rest of the file is read without the worker. */
export interface ScanSlotSize {
  bytes: number;
  records: number;
}

/**
 * What the worker posts: that it has started, a filled slot with the peer names its records index for the first
 * time, or the offset where the analyzing thread must read on by itself.
 */
export type ScanMessage = { ready: true } | { slot: number; peerNames: string[] } | { fallbackAt: number };

/** The offset where the worker starts reading: the analyzing thread read the file before it by itself. */
export interface ScanStart {
  start: number;
}

export const SLOT_FREE = 0;
export const SLOT_FULL = 1;
export const META = 6;
export const META_COUNT = 0;
export const META_LINES = 1;
export const META_FOREIGN = 2;
export const META_EVENTS = 3;
export const META_BYTES = 4; // bytes of the file read so far
export const META_END = 5; // 1 on the slot that ends the file
