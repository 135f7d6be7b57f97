import type { AllocationColumns } from '../profile/columns';
import type { Profile } from '../profile/profile';
import { firstAtLeast } from '../util/sorted-search';

/**
 * The run re-timed so that the program allocates at an even pace: a moment's work
 * time is the share of the run's allocations made before it, times the run's
 * length. Work time has the wall clock's units and end, but a stretch in which
 * the program allocated nothing takes none of it: descheduled on a busy machine,
 * paused by a heap snapshot, asleep between requests. The verdicts measure growth
 * against work done, so a stall cannot pass for a plateau, nor a temporary held
 * across one for a survivor.
 *
 * A sampled recording (Node.js) keeps the wall clock. It sees only the samples
 * still alive at a poll, so counting them ties the clock to when polls came; and
 * samples count bytes, which stretches an allocation-heavy phase such as a cache
 * filling up until it looks like a late rise.
 */
export interface WorkClock {
  /** Work time (ns) at a wall-clock instant (ns since the start). */
  at(wallNs: number): number;
  /** The earliest wall-clock instant at which the work clock reads `workNs`. */
  wallAt(workNs: number): number;
}

/** Stretches of the run the clock is resolved into: 0.5 ms for a 2 s run, 0.9 s for an hour. */
const BINS = 4096;
/** With fewer allocations the pace cannot be told: the wall clock is kept. */
const MIN_ALLOCATIONS = 64;

export const WALL_CLOCK: WorkClock = { at: (ns) => ns, wallAt: (ns) => ns };

/** The work clock of a run that is known until `runtimeNs`. */
export function workClock(profile: Pick<Profile, 'columns' | 'header'>, runtimeNs: number): WorkClock {
  if (isSampled(profile) || profile.columns.count < MIN_ALLOCATIONS || !(runtimeNs > 0)) return WALL_CLOCK;
  const width = runtimeNs / BINS;
  // made[k]: allocations made before the wall instant k × width
  const made = allocationsBefore(profile.columns, width);
  const total = made[BINS];
  if (total < MIN_ALLOCATIONS) return WALL_CLOCK;
  const nsPerAllocation = runtimeNs / total;
  return {
    at(wallNs) {
      if (!(wallNs > 0)) return 0;
      if (wallNs >= runtimeNs) return runtimeNs;
      const x = wallNs / width;
      const k = Math.floor(x);
      return (made[k] + (x - k) * (made[k + 1] - made[k])) * nsPerAllocation;
    },
    wallAt(workNs) {
      const target = workNs / nsPerAllocation;
      if (!(target > 0)) return 0;
      if (target >= total) return runtimeNs;
      // the first knot that reaches the target, then back into the stretch before it
      const lo = firstAtLeast(made, target, 1);
      return (lo - 1 + (target - made[lo - 1]) / (made[lo] - made[lo - 1])) * width;
    },
  };
}

/** Allocations recorded before each of the BINS + 1 instants k × width. */
function allocationsBefore(columns: AllocationColumns, width: number): Float64Array {
  const made = new Float64Array(BINS + 1);
  const { allocTime } = columns;
  for (let i = 0; i < columns.count; i++) {
    const t = allocTime[i];
    if (t <= width * BINS) made[Math.min(BINS - 1, Math.max(0, Math.floor(t / width))) + 1]++;
  }
  for (let k = 1; k <= BINS; k++) made[k] += made[k - 1];
  return made;
}

/** Whether each allocation recorded stands for many: a sampling recorder's (Node.js), or sampled weights. */
export function isSampled(profile: Pick<Profile, 'columns' | 'header'>): boolean {
  return profile.columns.weight !== null || typeof profile.header.options?.samplingInterval === 'number';
}
