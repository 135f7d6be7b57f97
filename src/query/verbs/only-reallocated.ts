import type { AllocationList } from '../allocation-list';

/** Allocations that are part of a realloc chain (made by, or given to, realloc). */
export function onlyReallocated(list: AllocationList): AllocationList {
  const { reallocPrev, reallocNext } = list.profile.columns;
  return list.where((i) => reallocPrev[i] >= 0 || reallocNext[i] >= 0);
}
