import type { Profile } from '../profile/profile';
import { Backtrace } from '../profile/backtrace';

/** One allocation, a view over the profile's columns. Times in seconds since the start. */
export class Allocation {
  constructor(
    private readonly profile: Profile,
    /** Column index. */
    readonly index: number,
  ) {}

  get size(): number {
    return this.profile.columns.size[this.index];
  }

  /** Bytes this allocation stands for (its size, unless the profile is sampled). */
  get weight(): number {
    const c = this.profile.columns;
    return c.weight ? c.weight[this.index] : c.size[this.index];
  }

  get allocatedAt(): number {
    return this.profile.columns.allocTime[this.index] / 1e9;
  }

  /** When it was freed, or null when it never was. */
  get deallocatedAt(): number | null {
    const t = this.profile.columns.freeTime[this.index];
    return t === Infinity ? null : t / 1e9;
  }

  get leaked(): boolean {
    return this.profile.columns.freeTime[this.index] === Infinity;
  }

  /** Seconds from allocation to free, or to the end of the run when leaked. */
  get lifetime(): number {
    const c = this.profile.columns;
    const end = c.freeTime[this.index] === Infinity ? this.profile.runtimeNs : c.freeTime[this.index];
    return (end - c.allocTime[this.index]) / 1e9;
  }

  get stackId(): number {
    return this.profile.columns.stack[this.index];
  }

  get thread(): { tid: number; name: string } {
    return this.profile.threads[this.profile.columns.thread[this.index]];
  }

  /** The allocation it was realloc'ed from / into, if any. */
  get reallocatedFrom(): Allocation | null {
    const prev = this.profile.columns.reallocPrev[this.index];
    return prev < 0 ? null : new Allocation(this.profile, prev);
  }

  get reallocatedInto(): Allocation | null {
    const next = this.profile.columns.reallocNext[this.index];
    return next < 0 ? null : new Allocation(this.profile, next);
  }

  backtrace(): Backtrace {
    return this.profile.backtrace(this.stackId);
  }
}
