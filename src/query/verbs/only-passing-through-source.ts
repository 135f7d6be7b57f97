import type { AllocationList } from '../allocation-list';
import { toRegExp, whereBacktrace } from './stack-test';

/** Allocations whose backtrace has a frame in a source file matching `pattern`. */
export function onlyPassingThroughSource(list: AllocationList, pattern: RegExp | string): AllocationList {
  const re = toRegExp(pattern);
  return whereBacktrace(list, (bt) => bt.frames.some((f) => re.test(f.file)));
}
