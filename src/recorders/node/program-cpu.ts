/**
 * The program's CPU time: its JS thread's, less what the recorder itself spent on
 * that thread (polls, forced GCs, heap snapshots). Unlike the wall clock it stops
 * while the program is descheduled on a busy machine or paused by the recorder, so
 * the diagnosis can measure growth against work done (diagnose/work-clock.ts).
 */
export class ProgramCpu {
  private readonly startNs: number | undefined;
  private recorderNs = 0;
  /** Nesting of recorder work, and the thread's CPU time when the outermost began. */
  private depth = 0;
  private sectionStartNs: number | undefined;
  /** CPU time (ns) of the latest outermost recorder work, where the clock can be read. */
  lastWorkNs: number | undefined;

  constructor(private readonly read: () => number | undefined) {
    this.startNs = read();
  }

  /** CPU time (ns) the program has run since the recording began; undefined where it cannot be read. */
  now(): number | undefined {
    const t = this.depth > 0 ? this.sectionStartNs : this.read();
    return t === undefined || this.startNs === undefined ? undefined : t - this.startNs - this.recorderNs;
  }

  /** Runs the recorder's own work, whose CPU time is not the program's. */
  recorderWork<T>(work: () => T): T {
    if (this.depth++ === 0) this.sectionStartNs = this.read();
    try {
      return work();
    } finally {
      if (--this.depth === 0) this.endSection();
    }
  }

  private endSection(): void {
    const end = this.read();
    this.lastWorkNs = end === undefined || this.sectionStartNs === undefined ? undefined : end - this.sectionStartNs;
    this.recorderNs += this.lastWorkNs ?? 0;
  }
}
