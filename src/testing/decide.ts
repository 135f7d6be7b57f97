/**
 * The decision rules of expectNoLeak.
 *
 * Censuses count the live objects after `runs[k]` runs of the function (k = 0 after
 * the warm-up, then after each step of the measured runs). Each object is dated by
 * the census it was first seen at: its cohort. Cohort j (j ≥ 1) holds what step j
 * made and still had alive at census j.
 *
 * A kind of object leaks when what the function makes of it stays alive:
 * 1. every step leaves survivors: each cohort j ≥ 1 still has members at the last
 *    census;
 * 2. nothing leaked is freed later: the first cohort still has, per run of its step,
 *    at least half as many survivors as the median cohort (a cache at its capacity
 *    evicts its oldest entries; a leak never frees any);
 * 3. they add up: the kind's live count grows, from the first census to the last, by at
 *    least half of the survivors (a cache already full at the first census keeps
 *    what each step makes, but evicts as much of what it held before).
 * The growth per run is the smallest over the steps of survivors / runs in the step:
 * exact, whatever else the runtime or the test runner allocates and frees meanwhile.
 * A temporary alive at one census is gone by the last one; what the runner keeps for
 * longer can only add to a cohort, never take a leaked object away from it (a count
 * of live objects, by contrast, moves both ways).
 *
 * A collection alive at the first census (Map, Set, Array, plain object) leaks when
 * its size grows in every step (by at least one entry) and does not slow down: the
 * last step grows at least half as fast, per run, as the median step. Its growth per
 * run is the median of the steps' growth per run.
 *
 * Something made once (a lazily created object, a module loaded on first use) is in
 * one cohort only; a cache that fills up and plateaus stops growing, and from then
 * on evicts what earlier steps made.
 */
export interface GrowthRule {
  /** Objects (or entries) added per run. */
  perIteration: number;
}

/**
 * @param counts live objects of the kind at each census
 * @param runs runs done at each census
 * @param survivors at the last census, members of each cohort (index 0: alive at the first census)
 */
export function objectGrowth(
  counts: ArrayLike<number>,
  runs: ArrayLike<number>,
  survivors: ArrayLike<number>,
): GrowthRule | undefined {
  const m = counts.length - 1;
  if (m < 2) return undefined;
  const rates: number[] = [];
  for (let j = 1; j <= m; j++) {
    if (survivors[j] < 1) return undefined;
    rates.push(survivors[j] / (runs[j] - runs[j - 1]));
  }
  if (rates[0] < medianOf(rates) / 2) return undefined;
  const perIteration = Math.min(...rates);
  let made = 0;
  for (let j = 1; j <= m; j++) made += survivors[j];
  if (counts[m] - counts[0] < made / 2) return undefined;
  return { perIteration };
}

/** @param sizes a collection's size at each census */
export function entryGrowth(sizes: ArrayLike<number>, runs: ArrayLike<number>): GrowthRule | undefined {
  const m = sizes.length - 1;
  if (m < 2) return undefined;
  const rates: number[] = [];
  for (let k = 1; k <= m; k++) {
    const d = sizes[k] - sizes[k - 1];
    if (d < 1) return undefined;
    rates.push(d / (runs[k] - runs[k - 1]));
  }
  const perIteration = medianOf(rates);
  if (rates[m - 1] < perIteration / 2) return undefined;
  return { perIteration };
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
