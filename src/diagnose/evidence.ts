import type { Profile } from '../profile/profile';
import { LiveSeries, liveSeriesAt } from '../profile/live-series';
import { stackTotals, StackTotals } from '../profile/totals';
import { mannKendall, mean, theilSen } from './stats';
import type { Windows } from './windows';
import { isSampled } from './work-clock';

/** Robust trends of a series sampled over [0, work end] of the work clock: what tells growth from a plateau. */
export interface Trend {
  /** Theil–Sen slopes, per ns of work time: over the later half of the work, over all of it after warm-up, and over its first half. */
  slopeLate: number;
  slopeAll: number;
  slopeEarly: number;
  /** Mann–Kendall Z, later half and after warm-up. */
  zLate: number;
  zAll: number;
  /** Mean over the later half. */
  meanLate: number;
  /**
   * The relative error sampling alone puts in that mean: 1/√n for n samples alive
   * of allocations much smaller than the interval (Poisson), less for larger ones
   * (one bigger than the interval is all but certain to be sampled), 0 for a
   * recording of every allocation. A sampled level wanders by about that much as
   * the objects that carry samples are replaced.
   */
  samplingNoiseLate: number;
}

/** Where warm-up ends and the later half of the work begins, as indices of a series' points (`time`: work clock). */
function phaseStarts(time: Float64Array, windows: Windows): { warm: number; half: number } {
  const from = (ns: number): number => time.findIndex((t) => t >= ns);
  const { warmupEnd, workEnd } = windows.work;
  return { warm: from(warmupEnd), half: from(warmupEnd + (workEnd - warmupEnd) / 2) };
}

/**
 * The trends of `values`, sampled at `time` (work clock, ascending, over [0, work end]).
 * `samples`: for a sampled recording, how many samples make up each value, or as many
 * as would give its sampling variance (effectiveSamples).
 */
export function trendOf(time: Float64Array, values: Float64Array, windows: Windows, samples?: Float64Array): Trend {
  const { warm, half } = phaseStarts(time, windows);
  return {
    samplingNoiseLate: samples ? 1 / Math.sqrt(Math.max(1, mean(samples.subarray(half)))) : 0,
    slopeLate: theilSen(time.subarray(half), values.subarray(half)),
    slopeAll: theilSen(time.subarray(warm), values.subarray(warm)),
    slopeEarly: theilSen(time.subarray(warm, half + 1), values.subarray(warm, half + 1)),
    zLate: mannKendall(values.subarray(half)),
    zAll: mannKendall(values.subarray(warm)),
    meanLate: mean(values.subarray(half)),
  };
}

/** What the numbers say about one site; the verdict rules read only this. Its Trend is of live bytes (bytes/ns). */
export interface Evidence extends Trend {
  count: number;
  bytes: number;
  /** Never freed. */
  leakedCount: number;
  leakedBytes: number;
  /** Survivors: alive at the end of work, born at least the exit window before it. */
  survivorCount: number;
  survivorBytes: number;
  /** Survivors freed (after the end of work), i.e. at exit. */
  survivorsFreedBytes: number;
  /** Survivor bytes born (realloc chains: first allocated) in each third of [warm-up end, work end] on the work clock. */
  survivorThirds: [number, number, number];
  survivorsInThirds: number;
  /** Survivor bytes born before the end of warm-up. */
  survivorWarmupBytes: number;
  /** Live bytes at the live instants over [0, work end]: `time` on the wall clock, `work` on the work clock. */
  series: { time: Float64Array; work: Float64Array; bytes: Float64Array };
  peakLiveBytes: number;
  liveBytesAtWorkEnd: number;
  /** Survivor accumulation rate over the later half and after warm-up, bytes/ns of work time. */
  survivorSlopeLate: number;
  survivorSlopeAll: number;
  /** Mean lifetime of freed allocations, ns. */
  meanLifetimeNs: number;
}

/** When each allocation was born: realloc-chain members inherit the time their chain began. */
export type Birth = (index: number) => number;

/**
 * Per-site totals, in arrays indexed by the site's stack id (see allocationSites; other
 * stacks' entries stay 0): what profile/totals sums, and what the verdict needs
 * besides. Only sites with survivors need their members gathered for the full evidence.
 */
export interface SiteTotals extends StackTotals {
  /** Sum of the lifetimes of the freed allocations, ns. */
  lifetimeTotal: Float64Array;
  survivorCount: Float64Array;
}

/** A survivor is alive at the end of work and was born at least the exit window before it. */
export function survivorTest(profile: Profile, windows: Windows, birth: Birth): (i: number) => boolean {
  const { allocTime, freeTime } = profile.columns;
  const { workEnd, survivorBornBy } = windows.wall;
  return (i) => freeTime[i] > workEnd && allocTime[i] <= workEnd && birth(i) <= survivorBornBy;
}

export function siteTotals(profile: Profile, site: Int32Array, windows: Windows, birth: Birth): SiteTotals {
  const n = profile.stacks.length;
  const t: SiteTotals = {
    ...stackTotals(profile, { keyOfStack: site }),
    lifetimeTotal: new Float64Array(n),
    survivorCount: new Float64Array(n),
  };
  const c = profile.columns;
  const { stack, allocTime, freeTime } = c;
  const survives = survivorTest(profile, windows, birth);
  const workEnd = windows.wall.workEnd;
  for (let i = 0; i < c.count; i++) {
    const s = site[stack[i]];
    const free = freeTime[i];
    if (free !== Infinity) t.lifetimeTotal[s] += free - allocTime[i];
    if (free > workEnd && survives(i)) t.survivorCount[s]++;
  }
  return t;
}

/**
 * The evidence for one stack: totals, and when it has survivors, the details read
 * from its members (column indices): when survivors were born, live bytes over time.
 */
export function gatherEvidence(
  profile: Profile,
  stackId: number,
  totals: SiteTotals,
  members: Uint32Array | undefined,
  windows: Windows,
  birth: Birth,
): Evidence {
  const freedCount = totals.allocatedCount[stackId] - totals.leakedCount[stackId];
  const ev: Evidence = {
    count: totals.allocatedCount[stackId],
    bytes: totals.allocatedBytes[stackId],
    leakedCount: totals.leakedCount[stackId],
    leakedBytes: totals.leakedBytes[stackId],
    survivorCount: 0,
    survivorBytes: 0,
    survivorsFreedBytes: 0,
    survivorThirds: [0, 0, 0],
    survivorsInThirds: 0,
    survivorWarmupBytes: 0,
    series: { time: new Float64Array(0), work: new Float64Array(0), bytes: new Float64Array(0) },
    peakLiveBytes: 0,
    liveBytesAtWorkEnd: 0,
    slopeLate: 0,
    slopeAll: 0,
    slopeEarly: 0,
    survivorSlopeLate: 0,
    survivorSlopeAll: 0,
    zLate: 0,
    zAll: 0,
    meanLate: 0,
    samplingNoiseLate: 0,
    meanLifetimeNs: freedCount ? totals.lifetimeTotal[stackId] / freedCount : 0,
  };
  if (!members || totals.survivorCount[stackId] === 0) return ev;

  const c = profile.columns;
  const weight = c.weight ?? c.size;
  const { workEnd, warmupEnd } = windows.work;
  const third = (workEnd - warmupEnd) / 3;
  const survives = survivorTest(profile, windows, birth);
  const survivorBirths: number[] = [];
  const survivorWeights: number[] = [];
  for (let k = 0; k < members.length; k++) {
    const i = members[k];
    if (!survives(i)) continue;
    const w = weight[i];
    const born = birth(i);
    ev.survivorCount++;
    ev.survivorBytes += w;
    // Freed, and not by a realloc that carried the memory on: freed at exit.
    if (c.freeTime[i] !== Infinity && c.reallocNext[i] < 0) ev.survivorsFreedBytes += w;
    survivorBirths.push(born);
    survivorWeights.push(w);
    if (born < windows.wall.warmupEnd) ev.survivorWarmupBytes += w;
    else {
      ev.survivorThirds[Math.min(2, Math.max(0, Math.floor((windows.clock.at(born) - warmupEnd) / third)))] += w;
      ev.survivorsInThirds++;
    }
  }

  const live = liveSeriesAt(c, members, windows.live.wall);
  const work = windows.live.work;
  ev.series = { time: live.time, work, bytes: live.bytes };
  ev.peakLiveBytes = Math.max(...live.bytes);
  ev.liveBytesAtWorkEnd = live.bytes[live.bytes.length - 1];
  Object.assign(ev, trendOf(work, live.bytes, windows, isSampled(profile) ? effectiveSamples(live) : undefined));
  const cumulative = survivorCurve(live.time, survivorBirths, survivorWeights);
  const { warm, half } = phaseStarts(work, windows);
  ev.survivorSlopeLate = theilSen(work.subarray(half), cumulative.subarray(half));
  ev.survivorSlopeAll = theilSen(work.subarray(warm), cumulative.subarray(warm));
  return ev;
}

/**
 * How many samples of small allocations would put the sampling variance the live
 * bytes have: bytes² / variance at each instant (n for n samples of allocations far
 * below the interval; more when they are larger; Infinity when nothing was left to chance).
 */
function effectiveSamples(live: LiveSeries): Float64Array {
  const { bytes, variance } = live;
  if (!variance) return live.count;
  return bytes.map((b, k) => (variance[k] > 0 ? (b * b) / variance[k] : b > 0 ? Infinity : 0));
}

/** Survivor bytes born at or before each instant. */
function survivorCurve(time: Float64Array, births: number[], weights: number[]): Float64Array {
  const order = births.map((_, k) => k).sort((a, b) => births[a] - births[b]);
  const curve = new Float64Array(time.length);
  let k = 0;
  let total = 0;
  for (let p = 0; p < time.length; p++) {
    while (k < order.length && births[order[k]] <= time[p]) total += weights[order[k++]];
    curve[p] = total;
  }
  return curve;
}
