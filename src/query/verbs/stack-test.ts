import type { AllocationList } from '../allocation-list';
import type { Backtrace } from '../../profile/backtrace';

/** A filter on each allocation's backtrace, evaluated once per distinct stack. */
export function whereBacktrace(list: AllocationList, test: (backtrace: Backtrace) => boolean): AllocationList {
  const profile = list.profile;
  const verdicts = new Int8Array(profile.stacks.length); // 0 unknown, 1 pass, -1 fail
  const stack = profile.columns.stack;
  return list.where((i) => {
    const s = stack[i];
    if (verdicts[s] === 0) verdicts[s] = test(profile.backtrace(s)) ? 1 : -1;
    return verdicts[s] === 1;
  });
}

/**
 * A string is a regex source, as in bytehound. The g and y flags are dropped: they make
 * test() resume at lastIndex, so a name matched once would fail on the next stack.
 */
export function toRegExp(pattern: RegExp | string): RegExp {
  return typeof pattern === 'string'
    ? new RegExp(pattern)
    : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}
