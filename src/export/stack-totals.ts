import type { StackTotals } from '../profile/totals';

/** Per stack id: profile/totals.ts. */
export { stackTotals } from '../profile/totals';
export type { StackTotals } from '../profile/totals';

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
