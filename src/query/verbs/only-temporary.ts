import type { AllocationList } from '../allocation-list';

/** Allocations freed before the recording ended. */
export function onlyTemporary(list: AllocationList): AllocationList {
  const free = list.profile.columns.freeTime;
  return list.where((i) => free[i] !== Infinity);
}
