import type { Profile } from '../profile/profile';
import { Backtrace } from '../profile/backtrace';
import { AllocationList } from './allocation-list';

/**
 * The allocations of one group: of one backtrace (`groupByBacktrace`) or of one site
 * (`groupBySite`); a list that also knows its backtrace. `stackId` is the backtrace's,
 * or the site's first stack id.
 */
export class AllocationGroup {
  constructor(
    readonly profile: Profile,
    readonly stackId: number,
    /** Column indices, ascending. */
    private readonly members: Uint32Array,
    /** Every stack id of the group: more than one for a site. */
    private readonly stacks: readonly number[] = [stackId],
  ) {}

  /** The stack ids of the group (a site's are all of the profile's stacks of that site). */
  stackIds(): readonly number[] {
    return this.stacks;
  }

  /** The group's allocations as a query list. */
  allocations(): AllocationList {
    return AllocationList.of(this.profile, this.members);
  }

  len(): number {
    return this.members.length;
  }

  size(): number {
    const w = this.profile.columns.weight ?? this.profile.columns.size;
    let total = 0;
    const members = this.members;
    for (let k = 0; k < members.length; k++) total += w[members[k]];
    return total;
  }

  backtrace(): Backtrace {
    return this.profile.backtrace(this.stackId);
  }
}

/** Allocations grouped by backtrace or by site; immutable, like AllocationList. */
export class AllocationGroupList {
  constructor(
    readonly profile: Profile,
    readonly groups: readonly AllocationGroup[],
  ) {}

  len(): number {
    return this.groups.length;
  }

  get(i: number): AllocationGroup {
    const g = this.groups[i];
    if (!g) throw new RangeError(`group ${i} is outside a list of ${this.groups.length}`);
    return g;
  }

  [Symbol.iterator](): Iterator<AllocationGroup> {
    return this.groups[Symbol.iterator]();
  }

  /** Largest total bytes first. */
  sortBySize(): AllocationGroupList {
    return this.sortBy((g) => g.size());
  }

  /** Most allocations first. */
  sortByCount(): AllocationGroupList {
    return this.sortBy((g) => g.len());
  }

  /** The first n groups. */
  take(n: number): AllocationGroupList {
    return new AllocationGroupList(this.profile, this.groups.slice(0, n));
  }

  /** Groups whose allocations pass `keep`. */
  filter(keep: (group: AllocationGroup) => boolean): AllocationGroupList {
    return new AllocationGroupList(this.profile, this.groups.filter(keep));
  }

  /** All allocations of all groups, as one list again. */
  ungroup(): AllocationList {
    const total = this.groups.reduce((n, g) => n + g.len(), 0);
    const all = new Uint32Array(total);
    let at = 0;
    for (const g of this.groups) {
      all.set(g.allocations().indices(), at);
      at += g.len();
    }
    return AllocationList.of(this.profile, all.sort());
  }

  /** The stack ids of the groups. */
  stackIds(): Set<number> {
    return new Set(this.groups.flatMap((g) => g.stackIds()));
  }

  private sortBy(key: (g: AllocationGroup) => number): AllocationGroupList {
    const keyed = this.groups.map((g) => ({ g, k: key(g) }));
    keyed.sort((a, b) => b.k - a.k || a.g.stackId - b.g.stackId);
    return new AllocationGroupList(
      this.profile,
      keyed.map((x) => x.g),
    );
  }
}

/**
 * The list's allocations grouped by a key of their stack (`keyOfStack[stack id]`, itself
 * a stack id: the group's; each stack by itself when omitted), in order of each group's
 * first allocation. A counting sort: two passes, no per-group arrays to grow.
 */
export function groupByStackKey(list: AllocationList, keyOfStack?: ArrayLike<number>): AllocationGroupList {
  const profile = list.profile;
  const stackCount = profile.stacks.length;
  const stack = profile.columns.stack;
  const keyOf = keyOfStack ? (s: number) => keyOfStack[s] : (s: number) => s;
  const indices = list.indices();
  const n = indices.length;
  const counts = new Uint32Array(stackCount);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const key = keyOf(stack[indices[k]]);
    if (counts[key]++ === 0) order.push(key);
  }
  const starts = new Uint32Array(stackCount);
  let at = 0;
  for (const key of order) {
    starts[key] = at;
    at += counts[key];
  }
  const sorted = new Uint32Array(n);
  const fill = starts.slice();
  for (let k = 0; k < n; k++) sorted[fill[keyOf(stack[indices[k]])]++] = indices[k];
  const stacksOf = keyOfStack ? stacksByKey(keyOfStack) : undefined;
  const groups = order.map(
    (key) =>
      new AllocationGroup(profile, key, sorted.subarray(starts[key], starts[key] + counts[key]), stacksOf?.get(key)),
  );
  return new AllocationGroupList(profile, groups);
}

/** The stack ids of each key, ascending. */
function stacksByKey(keyOfStack: ArrayLike<number>): Map<number, number[]> {
  const stacks = new Map<number, number[]>();
  for (let s = 0; s < keyOfStack.length; s++) {
    const key = keyOfStack[s];
    const list = stacks.get(key);
    if (list) list.push(s);
    else stacks.set(key, [s]);
  }
  return stacks;
}
