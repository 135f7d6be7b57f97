import type { AllocationList } from '../allocation-list';
import { AllocationGroupList, groupByStackKey } from '../group-list';

/** One group per distinct backtrace (stack id), in order of first allocation. */
export function groupByBacktrace(list: AllocationList): AllocationGroupList {
  return groupByStackKey(list);
}
