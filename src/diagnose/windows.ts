import { evenInstants } from '../profile/live-series';
import type { Profile } from '../profile/profile';
import { WorkClock, workClock } from './work-clock';

/**
 * Where the diagnosis looks. The windows are fractions of the run on the work clock
 * (work-clock.ts), and kept on both clocks: the wall clock's to compare with
 * allocation and free times, the work clock's for the trends' time axis.
 */
export interface Windows {
  clock: WorkClock;
  /** Points of the memory series over [0, work end]. */
  points: number;
  /** Wall-clock instants, ns since the start. */
  wall: {
    /** End of what is known of the run (see knownUntil in diagnose.ts). */
    runEnd: number;
    /** End of the program's work: after it, memory freed counts as freed at exit. */
    workEnd: number;
    /**
     * A survivor was born by then: the exit window's length before work end (what is
     * merely in flight is no survivor), and for a native recording at least two of
     * its finest time steps before it.
     */
    survivorBornBy: number;
    /** End of warm-up: survivors allocated before it are start-up state. */
    warmupEnd: number;
  };
  /** The same on the work clock. */
  work: { workEnd: number; warmupEnd: number };
  /**
   * Where a group's live bytes are read, ascending, up to work end, on both clocks:
   * `points` instants even in work time or, for a recording whose deaths are seen
   * only at full GCs, the ends of those GCs.
   */
  live: { wall: Float64Array; work: Float64Array };
}

export interface WindowOptions {
  /** The last fraction of the run that counts as shutdown. */
  exitWindow: number;
  /** The first fraction of the run that counts as warm-up. */
  warmup: number;
  points: number;
}

/**
 * The native recorder stamps events to steps of 2^20 ns at the finest (FORMAT.md,
 * "Compact events"): an allocation and its free a few µs later may read a step apart.
 * Born two steps before work end, an allocation alive at it lived more than one step.
 * In a short run the exit window on the work clock can be narrower than that: a
 * request in flight across a step's edge would pass for a survivor.
 */
const FINEST_TIME_STEP_NS = 2 ** 20;

/** The windows of a run known until `runtime` (wall ns). */
export function windowsOf(profile: Profile, runtime: number, options: WindowOptions): Windows {
  const clock = workClock(profile, runtime);
  const censuses = censusEnds(profile, clock);
  const workEnd = workEndOf(runtime, options.exitWindow, censuses);
  const warmupEnd = runtime * options.warmup;
  const live =
    (censuses && censusInstants(censuses, workEnd, options.points)) ?? evenOn(clock, workEnd, options.points);
  const workEndWall = clock.wallAt(workEnd);
  return {
    clock,
    points: options.points,
    wall: {
      runEnd: runtime,
      workEnd: workEndWall,
      survivorBornBy: Math.min(
        clock.wallAt(workEnd - runtime * options.exitWindow),
        workEndWall - (profile.header.recorder === 'native' ? 2 * FINEST_TIME_STEP_NS : 0),
      ),
      warmupEnd: clock.wallAt(warmupEnd),
    },
    work: { workEnd, warmupEnd },
    live,
  };
}

/** `points` instants even in work time over [0, work end], on both clocks. */
export function evenOn(clock: WorkClock, workEnd: number, points: number): { wall: Float64Array; work: Float64Array } {
  const work = evenInstants(0, workEnd, points);
  return { wall: work.map((w) => clock.wallAt(w)), work };
}

/**
 * A census must be this late in the run to end the work (below): an earlier one would
 * leave too much of the run out of the survivor test.
 */
const LATEST_CENSUS_SHARE = 0.85;
/** Fewer censuses than this cannot show a trend: live bytes are then read at even instants. */
const MIN_CENSUS_POINTS = 10;

interface Census {
  wall: number;
  work: number;
}

/**
 * For a Node.js recording polled without GCs (the addon), when each full GC ended:
 * there an old object is seen to die only at a full GC, so those are the moments
 * its live set is known, censuses. Undefined for other recordings.
 */
function censusEnds(profile: Profile, clock: WorkClock): Census[] | undefined {
  const majors = profile.header.options?.sampler === 'addon' ? profile.series.get('gc.major') : undefined;
  // a point is a GC's start, its value its pause: the census is taken when the pause ends
  return (
    majors &&
    Array.from(majors.time, (t, i) => t + majors.value[i])
      .sort((a, b) => a - b)
      .map((wall) => ({ wall, work: clock.at(wall) }))
  );
}

/**
 * Where the program's work ends (work clock): the exit window before the end, or the
 * last census if that is earlier. What dies at the GC the recorder forces at exit may
 * have been garbage since the last census (a cache's last evictions) or been let go
 * at shutdown, and the recording cannot tell which. Counting both as freed at exit
 * keeps that garbage from passing for survivors.
 */
function workEndOf(runtime: number, exitWindow: number, censuses: Census[] | undefined): number {
  const end = runtime * (1 - exitWindow);
  const last = censuses?.filter((c) => c.work <= end).at(-1)?.work ?? 0;
  return last >= runtime * LATEST_CENSUS_SHARE ? last : end;
}

/**
 * The censuses to read live bytes at: for each of `points` instants even in work
 * time over [0, work end], the last census at or before it. Between censuses,
 * garbage not yet collected would read as live (a sawtooth that rises until each
 * full GC).
 */
function censusInstants(
  censuses: Census[],
  workEnd: number,
  points: number,
): { wall: Float64Array; work: Float64Array } | undefined {
  const chosen = new Set<Census>();
  let next = 0;
  for (const t of evenInstants(0, workEnd, points)) {
    while (next < censuses.length && censuses[next].work <= t) next++;
    if (next > 0) chosen.add(censuses[next - 1]);
  }
  if (chosen.size < MIN_CENSUS_POINTS) return undefined;
  const picked = [...chosen];
  return { wall: Float64Array.from(picked, (c) => c.wall), work: Float64Array.from(picked, (c) => c.work) };
}
