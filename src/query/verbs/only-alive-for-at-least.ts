import type { AllocationList } from '../allocation-list';
import { nanoseconds } from './time';

/** Allocations that lived at least `seconds` (leaked ones live until the end of the run). */
export function onlyAliveForAtLeast(list: AllocationList, seconds: number): AllocationList {
  const { allocTime, freeTime } = list.profile.columns;
  const end = list.profile.runtimeNs;
  const d = nanoseconds(seconds);
  return list.where((i) => Math.min(freeTime[i], end) - allocTime[i] >= d);
}
