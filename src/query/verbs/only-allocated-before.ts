import type { AllocationList } from '../allocation-list';
import { nanoseconds } from './time';

/** Allocations made before `seconds` since the start. */
export function onlyAllocatedBefore(list: AllocationList, seconds: number): AllocationList {
  const alloc = list.profile.columns.allocTime;
  const t = nanoseconds(seconds);
  return list.where((i) => alloc[i] < t);
}
