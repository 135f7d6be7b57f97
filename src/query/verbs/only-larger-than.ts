import type { AllocationList } from '../allocation-list';

/** Allocations of more than `bytes`. */
export function onlyLargerThan(list: AllocationList, bytes: number): AllocationList {
  const size = list.profile.columns.size;
  return list.where((i) => size[i] > bytes);
}
