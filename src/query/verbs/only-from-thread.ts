import type { AllocationList } from '../allocation-list';
import { toRegExp } from './stack-test';

/** Allocations made by a thread, given by tid, exact name, or name pattern. */
export function onlyFromThread(list: AllocationList, thread: number | string | RegExp): AllocationList {
  const re = thread instanceof RegExp ? toRegExp(thread) : null;
  const matches = list.profile.threads.map((t) =>
    re ? re.test(t.name) : typeof thread === 'number' ? t.tid === thread : t.name === thread,
  );
  const column = list.profile.columns.thread;
  return list.where((i) => matches[column[i]]);
}
