import type { Profile } from '../profile/profile';
import { liveSeries } from '../profile/live-series';
import { mannKendall, mean, theilSen } from './stats';

/** Where the diagnosis looks, as fractions of the run. */
export interface Windows {
  /** End of the program's work: after it, memory freed counts as freed at exit. */
  workEndNs: number;
  /** End of warm-up: survivors allocated before it are start-up state. */
  warmupEndNs: number;
  /** Points of the live-bytes series over [0, workEnd]. */
  points: number;
}

/** What the numbers say about one backtrace group; the verdict rules read only this. */
export interface Evidence {
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
  /** Survivor bytes born (realloc chains: first allocated) in each third of [warm-up end, work end]. */
  survivorThirds: [number, number, number];
  survivorsInThirds: number;
  /** Survivor bytes born before the end of warm-up. */
  survivorWarmupBytes: number;
  /** Last survivor's birth, ns. */
  lastSurvivorBirthNs: number;
  /** Live bytes at points over [0, work end]. */
  series: { time: Float64Array; bytes: Float64Array };
  peakLiveBytes: number;
  liveBytesAtWorkEnd: number;
  /** Theil–Sen slopes, bytes/ns: live bytes over the later half of the work, over all of it after warm-up, and over its first half. */
  slopeLate: number;
  slopeAll: number;
  slopeEarly: number;
  /** Survivor accumulation rate over the later half, bytes/ns. */
  survivorSlopeLate: number;
  survivorSlopeAll: number;
  /** Mann–Kendall Z of live bytes, later half and after warm-up. */
  zLate: number;
  zAll: number;
  meanLate: number;
  meanAll: number;
  /** Mean lifetime of freed allocations, ns. */
  meanLifetimeNs: number;
}

/**
 * Gathers the evidence for one group from its members (column indices).
 * `birth` gives realloc-chain members the time their chain began.
 */
export function gatherEvidence(profile: Profile, members: Uint32Array, windows: Windows, birth: (i: number) => number): Evidence {
  const c = profile.columns;
  const weight = c.weight ?? c.size;
  const { workEndNs, warmupEndNs, points } = windows;
  const exitWindowNs = profile.runtimeNs - workEndNs;
  const third = (workEndNs - warmupEndNs) / 3;
  const ev: Evidence = {
    count: members.length,
    bytes: 0,
    leakedCount: 0,
    leakedBytes: 0,
    survivorCount: 0,
    survivorBytes: 0,
    survivorsFreedBytes: 0,
    survivorThirds: [0, 0, 0],
    survivorsInThirds: 0,
    survivorWarmupBytes: 0,
    lastSurvivorBirthNs: 0,
    series: { time: new Float64Array(0), bytes: new Float64Array(0) },
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
    meanAll: 0,
    meanLifetimeNs: 0,
  };
  let lifetimeTotal = 0;
  let freedCount = 0;
  const survivorBirths: number[] = [];
  const survivorWeights: number[] = [];
  for (const i of members) {
    const w = weight[i];
    const free = c.freeTime[i];
    ev.bytes += w;
    if (free === Infinity) {
      ev.leakedCount++;
      ev.leakedBytes += w;
    } else {
      freedCount++;
      lifetimeTotal += free - c.allocTime[i];
    }
    if (free <= workEndNs || c.allocTime[i] > workEndNs) continue;
    const born = birth(i);
    if (born > workEndNs - exitWindowNs) continue;
    ev.survivorCount++;
    ev.survivorBytes += w;
    // Freed, and not by a realloc that carried the memory on: freed at exit.
    if (free !== Infinity && c.reallocNext[i] < 0) ev.survivorsFreedBytes += w;
    if (born > ev.lastSurvivorBirthNs) ev.lastSurvivorBirthNs = born;
    survivorBirths.push(born);
    survivorWeights.push(w);
    if (born < warmupEndNs) ev.survivorWarmupBytes += w;
    else {
      ev.survivorThirds[Math.min(2, Math.floor((born - warmupEndNs) / third))] += w;
      ev.survivorsInThirds++;
    }
  }
  ev.meanLifetimeNs = freedCount ? lifetimeTotal / freedCount : 0;
  if (ev.survivorCount === 0) return ev;

  const live = liveSeries(c, members, 0, workEndNs, points);
  ev.series = { time: live.time, bytes: live.bytes };
  ev.peakLiveBytes = Math.max(...live.bytes);
  ev.liveBytesAtWorkEnd = live.bytes[points - 1];
  const cumulative = survivorCurve(live.time, survivorBirths, survivorWeights);
  const from = (ns: number): number => live.time.findIndex((t) => t >= ns);
  const warm = from(warmupEndNs);
  const half = from(warmupEndNs + (workEndNs - warmupEndNs) / 2);
  const range = (a: Float64Array, lo: number, hi = points): Float64Array => a.subarray(lo, hi);
  ev.slopeLate = theilSen(range(live.time, half), range(live.bytes, half));
  ev.slopeAll = theilSen(range(live.time, warm), range(live.bytes, warm));
  ev.slopeEarly = theilSen(range(live.time, warm, half + 1), range(live.bytes, warm, half + 1));
  ev.survivorSlopeLate = theilSen(range(live.time, half), range(cumulative, half));
  ev.survivorSlopeAll = theilSen(range(live.time, warm), range(cumulative, warm));
  ev.zLate = mannKendall(range(live.bytes, half));
  ev.zAll = mannKendall(range(live.bytes, warm));
  ev.meanLate = mean(range(live.bytes, half));
  ev.meanAll = mean(range(live.bytes, warm));
  return ev;
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
