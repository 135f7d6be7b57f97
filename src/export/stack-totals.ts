import type { Profile } from '../profile/profile';

/**
 * Per stack id, what its allocations add up to: every allocation (allocated) and
 * those never freed (in use at the end: leaked). Bytes are weights (= sizes, except
 * in sampled recordings, where a sample stands for more than its own size), as
 * everywhere else in leakhound.
 */
export interface StackTotals {
  allocatedCount: Float64Array;
  allocatedBytes: Float64Array;
  leakedCount: Float64Array;
  leakedBytes: Float64Array;
}

/** One pass over the columns: cheap for any number of allocations. */
export function stackTotals(profile: Profile): StackTotals {
  const c = profile.columns;
  const { stack, freeTime } = c;
  const weight = c.weight ?? c.size;
  const n = profile.stacks.length;
  const totals: StackTotals = {
    allocatedCount: new Float64Array(n),
    allocatedBytes: new Float64Array(n),
    leakedCount: new Float64Array(n),
    leakedBytes: new Float64Array(n),
  };
  const { allocatedCount, allocatedBytes, leakedCount, leakedBytes } = totals;
  for (let i = 0; i < c.count; i++) {
    const s = stack[i];
    const w = weight[i];
    allocatedCount[s]++;
    allocatedBytes[s] += w;
    if (freeTime[i] === Infinity) {
      leakedCount[s]++;
      leakedBytes[s] += w;
    }
  }
  return totals;
}

/** The four values a stack can be weighed by (pprof's sample types, speedscope's profiles, collapsed's `--value`). */
export type StackValue = 'leaked' | 'allocated' | 'leaked-count' | 'allocated-count';

export const STACK_VALUES: readonly StackValue[] = ['leaked', 'allocated', 'leaked-count', 'allocated-count'];

export function valuesOf(totals: StackTotals, value: StackValue): Float64Array {
  switch (value) {
    case 'leaked':
      return totals.leakedBytes;
    case 'allocated':
      return totals.allocatedBytes;
    case 'leaked-count':
      return totals.leakedCount;
    case 'allocated-count':
      return totals.allocatedCount;
  }
}
