import { BucketedSeries } from './bucketed-series';
import { memoryTrend, MemoryTrend, MemoryVerdict } from './memory-trend';
import { ProcessMemory, TreeSample, TreeSampler } from '../recorders/rss/tree-sampler';
import type { WatchSummary } from './watch-summary';

/** A process of the watched tree, with everything sampled of it. */
export interface WatchedProcess {
  pid: number;
  parent: number;
  command: string;
  /** Its latest sample. */
  last: ProcessMemory;
  /** Its RSS, bucketed. */
  rss: BucketedSeries;
  /** Seconds since the watch began, of its first and latest sample. */
  firstSeconds: number;
  lastSeconds: number;
  gone: boolean;
}

/** The watch after one sample. */
export interface WatchState {
  seconds: number;
  samples: number;
  sample: TreeSample;
  /** The tree's total RSS, judged. */
  total: MemoryTrend;
}

/** The verdict of a process over the whole watch. */
export interface ProcessVerdict extends ProcessMemory {
  firstSeconds: number;
  lastSeconds: number;
  gone: boolean;
  trend: MemoryTrend;
}

/** Points of a series a verdict reads: 64 buckets keep a verdict at about 0.2 ms. */
const BUCKETS = 64;

/**
 * Samples a process tree and keeps its memory history: the tree's total and each
 * process's RSS, bucketed, judged on demand (each judgement is a Theil–Sen fit).
 */
export class MemoryWatch {
  private readonly total = new BucketedSeries(BUCKETS);
  private readonly processes = new Map<number, WatchedProcess>();
  private samples = 0;
  private lastSeconds = 0;

  constructor(
    readonly sampler: TreeSampler,
    private readonly startMs: number,
  ) {}

  /** Takes a sample at `nowMs` (the clock the watch started on) and judges the tree's total. */
  tick(nowMs: number): WatchState {
    const seconds = (nowMs - this.startMs) / 1000;
    const sample = this.sampler.sample(nowMs);
    this.lastSeconds = seconds;
    for (const pid of sample.gone) {
      const p = this.processes.get(pid);
      if (p) p.gone = true;
    }
    if (sample.processes.length > 0) {
      this.samples++;
      this.total.add(seconds, sample.rss);
    }
    for (const memory of sample.processes) {
      let p = this.processes.get(memory.pid);
      if (!p || p.gone) {
        p = {
          pid: memory.pid,
          parent: memory.parent,
          command: memory.command,
          last: memory,
          rss: new BucketedSeries(BUCKETS),
          firstSeconds: seconds,
          lastSeconds: seconds,
          gone: false,
        };
        this.processes.set(memory.pid, p);
      }
      p.last = memory;
      p.lastSeconds = seconds;
      p.rss.add(seconds, memory.rss);
    }
    return { seconds, samples: this.samples, sample, total: memoryTrend(this.total.points()) };
  }

  /** The verdicts of the whole watch so far. */
  summarize(): Pick<WatchSummary, 'verdict' | 'total' | 'processes' | 'samples' | 'warnings'> {
    const total = memoryTrend(this.total.points());
    const processes = this.processVerdicts();
    return {
      verdict: this.overall(total, processes),
      total,
      processes,
      samples: this.samples,
      warnings: this.sampler.rollupProblem ? [this.sampler.rollupProblem] : [],
    };
  }

  /** Each process ever sampled, judged on its own history: the root first, then by pid. */
  processVerdicts(): ProcessVerdict[] {
    return [...this.processes.values()]
      .sort((a, b) => (a.pid === this.sampler.root ? -1 : b.pid === this.sampler.root ? 1 : a.pid - b.pid))
      .map((p) => ({
        pid: p.pid,
        parent: p.parent,
        command: p.command,
        rss: p.last.rss,
        ...(p.last.pss !== undefined ? { pss: p.last.pss, swap: p.last.swap } : {}),
        firstSeconds: p.firstSeconds,
        lastSeconds: p.lastSeconds,
        gone: p.gone,
        trend: memoryTrend(p.rss.points()),
      }));
  }

  /**
   * The verdict of the whole watch: the tree's total, made `growing` by any process
   * that grew while it was watched for at least half the time (a leak in one worker
   * of fifty is small beside the total's noise).
   */
  private overall(total: MemoryTrend, processes: ProcessVerdict[]): MemoryVerdict {
    if (total.verdict === 'growing') return 'growing';
    const longLived = processes.filter((p) => p.lastSeconds - p.firstSeconds >= this.lastSeconds / 2);
    return longLived.some((p) => p.trend.verdict === 'growing') ? 'growing' : total.verdict;
  }
}
