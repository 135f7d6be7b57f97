import { LhpHeader } from '../format/constants';
import type { ImportedFrom } from '../import/result';
import { Backtrace } from './backtrace';
import { AllocationColumns } from './columns';
import { Frame } from './frames';
import { totalsOf } from './totals';

export interface ThreadInfo {
  tid: number;
  name: string;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

export interface ModuleInfo {
  start: number;
  end: number;
  path: string;
}

/** One named time series ("rss", "heap.used", …); times in nanoseconds since the start. */
export interface Series {
  time: Float64Array;
  value: Float64Array;
}

export interface Mark {
  /** Nanoseconds since the start. */
  time: number;
  label: string;
}

/** What the loader noticed about the file itself. */
export interface LoadInfo {
  path: string;
  compressed: boolean;
  records: number;
  /** The file stops inside a record: everything before it was loaded. */
  truncated: boolean;
  /** The recorder wrote its end record (it was not killed and is not still running). */
  clean: boolean;
  /** Frees of addresses never seen allocated (allocated before recording started). */
  unmatchedFrees: number;
  /** One line each, for the user. */
  warnings: string[];
  /** Set when the file was another tool's (docs/IMPORT.md): which, and whether it has lifetimes. */
  imported?: ImportedFrom;
}

export interface ProfileParts {
  header: LhpHeader;
  strings: string[];
  frames: Frame[];
  stacks: Uint32Array[];
  columns: AllocationColumns;
  threads: ThreadInfo[];
  processes: ProcessInfo[];
  modules: ModuleInfo[];
  series: Map<string, Series>;
  marks: Mark[];
  runtimeNs: number;
  info: LoadInfo;
}

/**
 * A loaded recording: columns of allocations, interned stacks and frames, time series.
 * Read-only, and data only: the verbs that query it (`allocations()`, `graph()`) are
 * added by the Profile `load()` returns (api/profile.ts), so no layer below sees them.
 */
export class Profile {
  readonly header: LhpHeader;
  readonly frames: readonly Frame[];
  /** Frame ids per stack id, innermost first. */
  readonly stacks: readonly Uint32Array[];
  readonly columns: AllocationColumns;
  readonly threads: readonly ThreadInfo[];
  readonly processes: readonly ProcessInfo[];
  readonly modules: readonly ModuleInfo[];
  readonly series: ReadonlyMap<string, Series>;
  readonly marks: readonly Mark[];
  /** Nanoseconds from the start to the last event. */
  readonly runtimeNs: number;
  readonly info: LoadInfo;
  private readonly backtraces: (Backtrace | undefined)[] = [];

  constructor(parts: ProfileParts) {
    this.header = parts.header;
    this.frames = parts.frames;
    this.stacks = parts.stacks;
    this.columns = parts.columns;
    this.threads = parts.threads;
    this.processes = parts.processes;
    this.modules = parts.modules;
    this.series = parts.series;
    this.marks = parts.marks;
    this.runtimeNs = parts.runtimeNs;
    this.info = parts.info;
  }

  /** Seconds from the start to the last event. */
  get runtime(): number {
    return this.runtimeNs / 1e9;
  }

  /** Totals over the whole recording. */
  data(): { runtime: number; allocations: number; frees: number; allocatedBytes: number; leakedBytes: number } {
    const t = totalsOf(this.columns);
    return {
      runtime: this.runtime,
      allocations: t.allocatedCount,
      frees: t.allocatedCount - t.leakedCount,
      allocatedBytes: t.allocatedBytes,
      leakedBytes: t.leakedBytes,
    };
  }

  /** The backtrace of a stack id (cached). */
  backtrace(stackId: number): Backtrace {
    let bt = this.backtraces[stackId];
    if (!bt) {
      const ids = this.stacks[stackId];
      bt = new Backtrace(Array.from(ids, (id) => this.frames[id]));
      this.backtraces[stackId] = bt;
    }
    return bt;
  }
}
