import { childrenOf, commandOf, ProcReadError, readResidentBytes, readRollup, Rollup } from './proc';

/** One process at one sample. */
export interface ProcessMemory {
  pid: number;
  /** Its parent in the tree (0 for the root). */
  parent: number;
  command: string;
  rss: number;
  /** From the process's latest smaps_rollup read (read rarely); absent until read, or when it may not be read. */
  pss?: number;
  swap?: number;
}

/** The tree at one instant. */
export interface TreeSample {
  processes: ProcessMemory[];
  /** Sums over the tree. PSS and swap only when every process's rollup is known. */
  rss: number;
  pss?: number;
  swap?: number;
  /** Processes seen before that are gone now. */
  gone: number[];
  /** The root process is gone. */
  rootGone: boolean;
}

export interface TreeSamplerOptions {
  /** Also sample the root's descendants. */
  tree: boolean;
  /**
   * Time between two smaps_rollup reads (50 µs for a small process, 2 ms for a
   * 100 MiB one): the processes' rollups are refreshed in turn, one per period; a
   * new process is read when first seen.
   */
  rollupEveryMs: number;
}

/** Processes whose rollup is read at first sight, per sample: a tree that forks hundreds at once is read over several samples. */
const NEW_ROLLUPS_PER_SAMPLE = 8;

/**
 * Samples the resident memory of a process (and its descendants): statm at every
 * sample, smaps_rollup rarely. Reads /proc only; costs the processes nothing.
 */
export class TreeSampler {
  private readonly known = new Map<
    number,
    { parent: number; command: string; rollup?: Rollup; rollupAtMs: number; denied?: boolean }
  >();
  private lastRollupMs = -Infinity;
  /** Why smaps_rollup could not be read (permission, the first process it was denied for), for the user. */
  rollupProblem: string | undefined;

  constructor(
    readonly root: number,
    private readonly options: TreeSamplerOptions,
  ) {}

  /** One sample at `nowMs` (any monotonic clock). */
  sample(nowMs: number): TreeSample {
    const processes: ProcessMemory[] = [];
    const seen = new Set<number>();
    let rootGone = false;
    // Parents before children: a process found through its parent's children list.
    const queue: { pid: number; parent: number }[] = [{ pid: this.root, parent: 0 }];
    for (let q = 0; q < queue.length; q++) {
      const { pid, parent } = queue[q];
      if (seen.has(pid)) continue;
      seen.add(pid);
      let rss: number;
      try {
        rss = readResidentBytes(pid);
      } catch (err) {
        if (!(err instanceof ProcReadError)) throw err;
        if (pid === this.root) rootGone = true;
        continue;
      }
      let entry = this.known.get(pid);
      if (!entry) {
        entry = { parent, command: commandOf(pid), rollupAtMs: -Infinity };
        this.known.set(pid, entry);
      }
      processes.push({ pid, parent, command: entry.command, rss });
      if (this.options.tree) for (const child of childrenOf(pid)) queue.push({ pid: child, parent: pid });
    }
    this.refreshRollups(processes, nowMs);
    const gone: number[] = [];
    const alive = new Set(processes.map((p) => p.pid));
    for (const pid of this.known.keys()) {
      if (!alive.has(pid)) {
        gone.push(pid);
        this.known.delete(pid);
      }
    }
    let rss = 0;
    let pss = 0;
    let swap = 0;
    let rollupsKnown = processes.length > 0;
    for (const p of processes) {
      const rollup = this.known.get(p.pid)?.rollup;
      rss += p.rss;
      if (rollup) {
        p.pss = rollup.pss;
        p.swap = rollup.swap;
        pss += rollup.pss;
        swap += rollup.swap;
      } else rollupsKnown = false;
    }
    return { processes, rss, ...(rollupsKnown ? { pss, swap } : {}), gone, rootGone };
  }

  /** Reads the rollups of new processes, and the stalest one once per period. */
  private refreshRollups(processes: ProcessMemory[], nowMs: number): void {
    const readable = processes.filter((p) => !this.known.get(p.pid)!.denied);
    const unread = readable
      .filter((p) => this.known.get(p.pid)!.rollupAtMs === -Infinity)
      .slice(0, NEW_ROLLUPS_PER_SAMPLE);
    // a timer may fire a little early: 10 % slack, or a period would often be skipped
    const due = nowMs - this.lastRollupMs >= 0.9 * this.options.rollupEveryMs;
    const stalest = due
      ? readable.reduce<ProcessMemory | undefined>(
          (a, p) => (!a || this.known.get(p.pid)!.rollupAtMs < this.known.get(a.pid)!.rollupAtMs ? p : a),
          undefined,
        )
      : undefined;
    const batch = stalest && !unread.includes(stalest) ? [...unread, stalest] : unread;
    for (const p of batch) {
      const entry = this.known.get(p.pid)!;
      entry.rollupAtMs = nowMs;
      try {
        entry.rollup = readRollup(p.pid);
      } catch (err) {
        if (!(err instanceof ProcReadError)) throw err;
        if (err.failure === 'denied') {
          entry.denied = true;
          this.rollupProblem ??= `PSS and swap not sampled: ${err.message} (RSS is)`;
        }
        continue;
      }
      // seen between fork and exec, a process had its parent's command line
      entry.command = commandOf(p.pid);
      p.command = entry.command;
    }
    if (due) this.lastRollupMs = nowMs;
  }
}
