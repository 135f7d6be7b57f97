import type { MemoryTrend, MemoryVerdict } from './memory-trend';
import type { ProcessVerdict } from './memory-watch';

/** Why a watch ended. */
export type WatchEnd = 'duration' | 'exited' | 'signal' | 'gone';

/** Everything a watch found, for the views and the exit code. */
export interface WatchSummary {
  verdict: MemoryVerdict;
  /** The tree's total RSS. PSS and swap are shown, not judged: each process's is read only now and then. */
  total: MemoryTrend;
  processes: ProcessVerdict[];
  root: { pid: number; command: string };
  seconds: number;
  samples: number;
  end: WatchEnd;
  /** The launched program's exit code (128 + signal), when it ended by itself. */
  exitCode?: number;
  warnings: string[];
}
