import type { AllocationList } from '../allocation-list';
import { toRegExp, whereBacktrace } from './stack-test';

/** Allocations whose backtrace has no function matching `pattern`. */
export function onlyNotPassingThroughFunction(list: AllocationList, pattern: RegExp | string): AllocationList {
  const re = toRegExp(pattern);
  return whereBacktrace(list, (bt) => !bt.frames.some((f) => re.test(f.function)));
}
