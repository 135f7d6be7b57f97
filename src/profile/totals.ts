import type { AllocationColumns } from './columns';
import type { Profile } from './profile';

/**
 * What allocations add up to: every one of them (allocated) and those never freed
 * (in use at the end: leaked). Bytes are weights (= sizes, except in sampled
 * recordings, where a sample stands for more than its own size), as everywhere else
 * in leakhound. `T` is a number for one set of allocations, an array for totals by key.
 */
export interface Totals<T = number> {
  allocatedCount: T;
  allocatedBytes: T;
  leakedCount: T;
  leakedBytes: T;
}

/** Totals per stack id (or per key of a stack id), in arrays indexed by it. */
export type StackTotals = Totals<Float64Array>;

export interface TotalsOptions {
  /** Only these allocations (column indices); every allocation when omitted. */
  only?: ArrayLike<number>;
  /**
   * The key each stack id counts under, when totals are wanted by something a stack
   * belongs to (its site: the first stack id of the site); each stack id by itself when
   * omitted. Keys are below the number of stacks.
   */
  keyOfStack?: ArrayLike<number>;
}

/** One pass over the columns (or over the selected indices): cheap for any number of allocations. */
export function stackTotals(profile: Profile, options: TotalsOptions = {}): StackTotals {
  const keyOf = options.keyOfStack;
  return accumulate(profile.columns, profile.stacks.length, options.only, keyOf ? (s) => keyOf[s] : (s) => s);
}

/** The totals of a set of allocations (column indices), or of every allocation. */
export function totalsOf(columns: AllocationColumns, only?: ArrayLike<number>): Totals {
  return totalsAt(
    accumulate(columns, 1, only, () => 0),
    0,
  );
}

/** The totals of one key (stack id, site) of totals by key. */
export function totalsAt(t: StackTotals, key: number): Totals {
  return {
    allocatedCount: t.allocatedCount[key],
    allocatedBytes: t.allocatedBytes[key],
    leakedCount: t.leakedCount[key],
    leakedBytes: t.leakedBytes[key],
  };
}

function accumulate(
  c: AllocationColumns,
  keys: number,
  only: ArrayLike<number> | undefined,
  keyOf: (stack: number) => number,
): StackTotals {
  const { stack, freeTime } = c;
  const weight = c.weight ?? c.size;
  const totals: StackTotals = {
    allocatedCount: new Float64Array(keys),
    allocatedBytes: new Float64Array(keys),
    leakedCount: new Float64Array(keys),
    leakedBytes: new Float64Array(keys),
  };
  const { allocatedCount, allocatedBytes, leakedCount, leakedBytes } = totals;
  const n = only ? only.length : c.count;
  for (let k = 0; k < n; k++) {
    const i = only ? only[k] : k;
    const key = keyOf(stack[i]);
    const w = weight[i];
    allocatedCount[key]++;
    allocatedBytes[key] += w;
    if (freeTime[i] === Infinity) {
      leakedCount[key]++;
      leakedBytes[key] += w;
    }
  }
  return totals;
}
