import type { AllocationList } from '../allocation-list';

/** Allocations of fewer than `bytes`. */
export function onlySmallerThan(list: AllocationList, bytes: number): AllocationList {
  const size = list.profile.columns.size;
  return list.where((i) => size[i] < bytes);
}
