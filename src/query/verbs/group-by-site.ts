import { allocationSites } from '../../profile/sites';
import type { AllocationList } from '../allocation-list';
import { AllocationGroupList, groupByStackKey } from '../group-list';

/**
 * One group per site (the program frames of a backtrace), in order of first
 * allocation: the groups `analyze` gives verdicts to. A group's stack id is its site's
 * first stack id, as in `analyze --json`.
 */
export function groupBySite(list: AllocationList): AllocationGroupList {
  return groupByStackKey(list, allocationSites(list.profile));
}
