import type { AllocationList } from '../allocation-list';
import { nanoseconds } from './time';

/** Allocations live at the instant `seconds` since the start. */
export function onlyAliveAt(list: AllocationList, seconds: number): AllocationList {
  const { allocTime, freeTime } = list.profile.columns;
  const t = nanoseconds(seconds);
  return list.where((i) => allocTime[i] <= t && freeTime[i] > t);
}
