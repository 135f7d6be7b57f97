import type { Profile } from '../profile/profile';
import { Backtrace } from '../profile/backtrace';
import { AllocationList } from './allocation-list';

/** The allocations of one backtrace: a list that also knows its backtrace. */
export class AllocationGroup {
  constructor(
    readonly profile: Profile,
    readonly stackId: number,
    /** Column indices, ascending. */
    private readonly members: Uint32Array,
  ) {}

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

/** Allocations grouped by backtrace; immutable, like AllocationList. */
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
    return new Set(this.groups.map((g) => g.stackId));
  }

  private sortBy(key: (g: AllocationGroup) => number): AllocationGroupList {
    const keyed = this.groups.map((g) => ({ g, k: key(g) }));
    keyed.sort((a, b) => b.k - a.k || a.g.stackId - b.g.stackId);
    return new AllocationGroupList(this.profile, keyed.map((x) => x.g));
  }
}
