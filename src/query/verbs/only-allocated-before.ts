import type { AllocationList } from '../allocation-list';

/** Allocations made before `seconds` since the start. */
export function onlyAllocatedBefore(list: AllocationList, seconds: number): AllocationList {
  const alloc = list.profile.columns.allocTime;
  const t = seconds * 1e9;
  return list.where((i) => alloc[i] < t);
}
