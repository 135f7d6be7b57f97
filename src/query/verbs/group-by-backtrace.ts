import type { AllocationList } from '../allocation-list';
import { AllocationGroup, AllocationGroupList } from '../group-list';

/** One group per distinct backtrace, in order of first allocation. */
export function groupByBacktrace(list: AllocationList): AllocationGroupList {
  const profile = list.profile;
  const stack = profile.columns.stack;
  const indices = list.indices();
  // Counting sort by stack id: two passes, no per-group arrays to grow.
  const counts = new Uint32Array(profile.stacks.length);
  const n = indices.length;
  for (let k = 0; k < n; k++) counts[stack[indices[k]]]++;
  const starts = new Uint32Array(profile.stacks.length);
  const seen = new Uint8Array(profile.stacks.length);
  const order: number[] = [];
  let at = 0;
  for (let k = 0; k < n; k++) {
    const s = stack[indices[k]];
    if (seen[s] === 0) {
      seen[s] = 1;
      order.push(s);
    }
  }
  for (const s of order) {
    starts[s] = at;
    at += counts[s];
  }
  const sorted = new Uint32Array(indices.length);
  const fill = starts.slice();
  for (let k = 0; k < n; k++) sorted[fill[stack[indices[k]]]++] = indices[k];
  const groups = order.map((s) => new AllocationGroup(profile, s, sorted.subarray(starts[s], starts[s] + counts[s])));
  return new AllocationGroupList(profile, groups);
}
