import type { AllocationList } from '../allocation-list';

/** Allocations never freed until the recording ended. */
export function onlyLeaked(list: AllocationList): AllocationList {
  const free = list.profile.columns.freeTime;
  return list.where((i) => free[i] === Infinity);
}
