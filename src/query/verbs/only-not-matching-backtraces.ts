import type { AllocationList, BacktraceSource } from '../allocation-list';
import { stackSet } from './stack-set';

/** Allocations whose backtrace is none of `source`'s. */
export function onlyNotMatchingBacktraces(list: AllocationList, source: BacktraceSource): AllocationList {
  const set = stackSet(source, list.profile.stacks.length);
  const stack = list.profile.columns.stack;
  return list.where((i) => set[stack[i]] === 0);
}
