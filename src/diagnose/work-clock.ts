import type { AllocationColumns } from '../profile/columns';
import type { Profile } from '../profile/profile';
import { firstAtLeast } from '../util/sorted-search';

/**
 * The run re-timed by the work the program did: a moment's work time is the share
 * of the run's work done before it, times the run's length. Work time has the wall
 * clock's units and end, but a stretch in which the program did nothing takes none
 * of it: descheduled on a busy machine, paused by a heap snapshot, asleep between
 * requests. The verdicts measure growth against work done, so a stall cannot pass
 * for a plateau, nor a temporary held across one for a survivor.
 *
 * Work is counted two ways:
 * - **allocations made**, where every allocation is recorded (native);
 * - **the program's CPU time** (`leakhound.cpu`, its JS thread's less the
 *   recorder's own; a sampled native recording's: all its threads' but the
 *   flusher) for a sampled recording (Node.js, native --sample). Allocations cannot serve
 *   there: only the samples still alive at a poll are seen, so counting them ties
 *   the clock to when polls came; and samples count bytes, which stretches an
 *   allocation-heavy phase such as a cache filling up until it looks like a late rise.
 * A sampled recording without a CPU series keeps the wall clock.
 */
export interface WorkClock {
  /** Work time (ns) at a wall-clock instant (ns since the start). */
  at(wallNs: number): number;
  /** The earliest wall-clock instant at which the work clock reads `workNs`. */
  wallAt(workNs: number): number;
}

/** Stretches of the run allocations are counted in: 0.5 ms for a 2 s run, 0.9 s for an hour. */
const BINS = 4096;
/** With fewer allocations the pace cannot be told: the wall clock is kept. */
const MIN_ALLOCATIONS = 64;
/** A CPU series needs this many readings to time a run. */
const MIN_CPU_READINGS = 8;

export const WALL_CLOCK: WorkClock = { at: (ns) => ns, wallAt: (ns) => ns };

/** The work clock of a run that is known until `runtimeNs`. */
export function workClock(profile: Pick<Profile, 'columns' | 'header' | 'series'>, runtimeNs: number): WorkClock {
  if (!(runtimeNs > 0)) return WALL_CLOCK;
  const work = isSampled(profile) ? cpuDone(profile, runtimeNs) : allocationsDone(profile.columns, runtimeNs);
  return (work && clockThrough(work, runtimeNs)) ?? WALL_CLOCK;
}

/** Knots of a run's work: `done[k]` of it was done by the wall instant `wall[k]`, both ascending, from 0 to the run's end. */
interface Work {
  wall: Float64Array;
  done: Float64Array;
}

/** Allocations recorded before each of the BINS + 1 instants k × runtime / BINS. */
function allocationsDone(columns: AllocationColumns, runtimeNs: number): Work | undefined {
  if (columns.count < MIN_ALLOCATIONS) return undefined;
  const width = runtimeNs / BINS;
  const done = new Float64Array(BINS + 1);
  const { allocTime } = columns;
  for (let i = 0; i < columns.count; i++) {
    const t = allocTime[i];
    if (t <= runtimeNs) done[Math.min(BINS - 1, Math.max(0, Math.floor(t / width))) + 1]++;
  }
  for (let k = 1; k <= BINS; k++) done[k] += done[k - 1];
  if (done[BINS] < MIN_ALLOCATIONS) return undefined;
  return { wall: Float64Array.from({ length: BINS + 1 }, (_, k) => k * width), done };
}

/** The program's CPU time at each reading of `leakhound.cpu`, from (0, 0) to the run's end. */
function cpuDone(profile: Pick<Profile, 'series'>, runtimeNs: number): Work | undefined {
  const cpu = profile.series.get('leakhound.cpu');
  if (!cpu || cpu.time.length < MIN_CPU_READINGS) return undefined;
  const wall = [0];
  const done = [0];
  for (let i = 0; i < cpu.time.length; i++) {
    const t = cpu.time[i];
    if (!(t > wall[wall.length - 1] && t < runtimeNs)) continue;
    wall.push(t);
    done.push(Math.max(done[done.length - 1], cpu.value[i])); // a clock never runs back
  }
  // past the last reading the program is taken to run at its average pace
  const last = wall[wall.length - 1];
  wall.push(runtimeNs);
  done.push(last > 0 ? (done[done.length - 1] * runtimeNs) / last : 0);
  return { wall: Float64Array.from(wall), done: Float64Array.from(done) };
}

/** The clock that runs at the pace of the work, scaled to end at `runtimeNs`; undefined when no work was done. */
function clockThrough({ wall, done }: Work, runtimeNs: number): WorkClock | undefined {
  const total = done[done.length - 1];
  if (!(total > 0)) return undefined;
  const nsPerWork = runtimeNs / total;
  return {
    at(wallNs) {
      if (!(wallNs > 0)) return 0;
      if (wallNs >= runtimeNs) return runtimeNs;
      return interpolate(wall, done, wallNs) * nsPerWork;
    },
    wallAt(workNs) {
      const target = workNs / nsPerWork;
      if (!(target > 0)) return 0;
      if (target >= total) return runtimeNs;
      return interpolate(done, wall, target);
    },
  };
}

/**
 * `to` at the earliest point where `from` reaches `x`, linear between knots; `from`
 * ascending (not strictly), 0 < x < its last value.
 */
function interpolate(from: Float64Array, to: Float64Array, x: number): number {
  const k = firstAtLeast(from, x, 1);
  const span = from[k] - from[k - 1];
  return to[k - 1] + ((x - from[k - 1]) / span) * (to[k] - to[k - 1]);
}

/** Whether each allocation recorded stands for many: a sampling recorder's (Node.js), or sampled weights. */
export function isSampled(profile: Pick<Profile, 'columns' | 'header'>): boolean {
  return profile.columns.weight !== null || typeof profile.header.options?.samplingInterval === 'number';
}
