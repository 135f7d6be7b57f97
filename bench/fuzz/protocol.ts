/** The messages between the fuzz pool (pool.ts) and its workers (worker.ts). */

export type ToWorker = { index: number };

/** What became of an input, as the worker judged it (the pool adds the time and memory limits). */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'refused'; message: string }
  /** `differs`: a sound input (mutate.ts) that did not analyze as its seed does. */
  | { kind: 'internal' | 'message' | 'differs'; message: string; stack?: string };

export type FromWorker =
  | { type: 'ready' }
  /** Sent before the analysis starts: the input is in `file`. */
  | { type: 'start'; index: number; seed: string; steps: string[]; file: string; size: number; rssBefore: number }
  /** `peakGrowth`: the peak RSS during the analysis less the RSS before it, when the kernel could tell. */
  | { type: 'done'; index: number; verdict: Verdict; ms: number; peakGrowth: number | undefined };
