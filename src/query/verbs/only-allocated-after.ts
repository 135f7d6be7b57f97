import type { AllocationList } from '../allocation-list';

/** Allocations made at or after `seconds` since the start. */
export function onlyAllocatedAfter(list: AllocationList, seconds: number): AllocationList {
  const alloc = list.profile.columns.allocTime;
  const t = seconds * 1e9;
  return list.where((i) => alloc[i] >= t);
}
