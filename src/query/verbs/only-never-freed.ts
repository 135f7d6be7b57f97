import type { AllocationList } from '../allocation-list';

/**
 * Allocations never freed until the recording ended: bytehound's "leaked". Not the
 * `leak` verdict, which is about a site whose retained memory grows.
 */
export function onlyNeverFreed(list: AllocationList): AllocationList {
  const free = list.profile.columns.freeTime;
  return list.where((i) => free[i] === Infinity);
}
