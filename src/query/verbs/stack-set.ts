import type { BacktraceSource } from '../allocation-list';
import { AllocationList } from '../allocation-list';
import { AllocationGroup, AllocationGroupList } from '../group-list';

/** A membership bitmap over stack ids, from whatever names backtraces. */
export function stackSet(source: BacktraceSource, stackCount: number): Uint8Array {
  const set = new Uint8Array(stackCount);
  const ids =
    source instanceof AllocationList || source instanceof AllocationGroupList || source instanceof AllocationGroup
      ? source.stackIds()
      : source;
  for (const id of ids) if (id < stackCount) set[id] = 1;
  return set;
}
