import type { AllocationList } from '../allocation-list';

/** Allocations that lived at least `seconds` (leaked ones live until the end of the run). */
export function onlyAliveForAtLeast(list: AllocationList, seconds: number): AllocationList {
  const { allocTime, freeTime } = list.profile.columns;
  const end = list.profile.runtimeNs;
  const d = seconds * 1e9;
  return list.where((i) => Math.min(freeTime[i], end) - allocTime[i] >= d);
}
