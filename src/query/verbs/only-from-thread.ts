import type { AllocationList } from '../allocation-list';

/** Allocations made by a thread, given by tid, exact name, or name pattern. */
export function onlyFromThread(list: AllocationList, thread: number | string | RegExp): AllocationList {
  const matches = list.profile.threads.map((t) =>
    typeof thread === 'number' ? t.tid === thread : typeof thread === 'string' ? t.name === thread : thread.test(t.name),
  );
  const column = list.profile.columns.thread;
  return list.where((i) => matches[column[i]]);
}
