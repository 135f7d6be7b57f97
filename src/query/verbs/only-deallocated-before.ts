import type { AllocationList } from '../allocation-list';
import { nanoseconds } from './time';

/** Allocations freed before `seconds` since the start. */
export function onlyDeallocatedBefore(list: AllocationList, seconds: number): AllocationList {
  const free = list.profile.columns.freeTime;
  const t = nanoseconds(seconds);
  return list.where((i) => free[i] < t);
}
