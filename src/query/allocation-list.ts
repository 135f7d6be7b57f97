import type { Profile } from '../profile/profile';
import { Allocation } from './allocation';
import type { AllocationGroup, AllocationGroupList } from './group-list';
import * as verbs from './verbs';

/** Tells whether the allocation at a column index belongs in a list. */
export type Predicate = (index: number) => boolean;

/** What a backtrace filter accepts: a list, a group, a group list, or stack ids. */
export type BacktraceSource = AllocationList | AllocationGroup | AllocationGroupList | Iterable<number>;

/**
 * A lazy, immutable list of allocations. Each verb returns a new list; nothing is
 * computed until a result is asked for (len, get, iteration, grouping), and a chain
 * of filters is then evaluated in one pass over the columns.
 *
 * ```ts
 * const p = await load('run.lhp');
 * const neverFreed = p.allocations().onlyNeverFreed();
 * console.log(neverFreed.len(), neverFreed.groupByBacktrace().sortBySize().get(0).backtrace().strip().toString());
 * ```
 */
export class AllocationList {
  private materialized: Uint32Array | null = null;

  protected constructor(
    readonly profile: Profile,
    /** Column indices this list filters, or null for every allocation. */
    private readonly base: Uint32Array | null,
    private readonly predicates: readonly Predicate[],
  ) {}

  /** Every allocation of a profile. */
  static all(profile: Profile): AllocationList {
    return new AllocationList(profile, null, []);
  }

  /** The allocations at the given column indices (ascending). */
  static of(profile: Profile, indices: Uint32Array): AllocationList {
    return new AllocationList(profile, indices, []);
  }

  /** A new list of the allocations that pass `predicate` (a column index test): the building block of every filter verb. */
  where(predicate: Predicate): AllocationList {
    if (this.materialized) return new AllocationList(this.profile, this.materialized, [predicate]);
    return new AllocationList(this.profile, this.base, [...this.predicates, predicate]);
  }

  /** Column indices of the allocations in this list, ascending. Computed once. */
  indices(): Uint32Array {
    if (this.materialized) return this.materialized;
    const preds = this.predicates;
    const base = this.base;
    const n = base ? base.length : this.profile.columns.count;
    if (preds.length === 0) {
      this.materialized = base ?? identity(n);
      return this.materialized;
    }
    const out = new Uint32Array(n);
    let m = 0;
    outer: for (let j = 0; j < n; j++) {
      const i = base ? base[j] : j;
      for (let k = 0; k < preds.length; k++) if (!preds[k](i)) continue outer;
      out[m++] = i;
    }
    this.materialized = m === n ? out : out.slice(0, m);
    return this.materialized;
  }

  /** Number of allocations. */
  len(): number {
    return this.indices().length;
  }

  /** The i-th allocation (in allocation order). */
  get(i: number): Allocation {
    const indices = this.indices();
    if (!Number.isInteger(i) || i < 0 || i >= indices.length)
      throw new RangeError(`index ${i} is outside a list of ${indices.length}`);
    return new Allocation(this.profile, indices[i]);
  }

  *[Symbol.iterator](): Iterator<Allocation> {
    for (const i of this.indices()) yield new Allocation(this.profile, i);
  }

  /** Bytes of all allocations in the list (weights, for sampled profiles). */
  size(): number {
    const w = this.profile.columns.weight ?? this.profile.columns.size;
    let total = 0;
    const indices = this.indices();
    for (let k = 0; k < indices.length; k++) total += w[indices[k]];
    return total;
  }

  /** The distinct stack ids of the list. */
  stackIds(): Set<number> {
    const stack = this.profile.columns.stack;
    const ids = new Set<number>();
    const indices = this.indices();
    for (let k = 0; k < indices.length; k++) ids.add(stack[indices[k]]);
    return ids;
  }

  onlyNeverFreed(): AllocationList {
    return verbs.onlyNeverFreed(this);
  }
  /** bytehound's name for `onlyNeverFreed`. */
  onlyLeaked(): AllocationList {
    return verbs.onlyNeverFreed(this);
  }
  onlyTemporary(): AllocationList {
    return verbs.onlyTemporary(this);
  }
  onlyMatchingBacktraces(source: BacktraceSource): AllocationList {
    return verbs.onlyMatchingBacktraces(this, source);
  }
  onlyNotMatchingBacktraces(source: BacktraceSource): AllocationList {
    return verbs.onlyNotMatchingBacktraces(this, source);
  }
  onlyLeakedOrDeallocatedAfter(seconds: number): AllocationList {
    return verbs.onlyLeakedOrDeallocatedAfter(this, seconds);
  }
  onlyDeallocatedAfterAtLeast(seconds: number): AllocationList {
    return verbs.onlyDeallocatedAfterAtLeast(this, seconds);
  }
  onlyDeallocatedBefore(seconds: number): AllocationList {
    return verbs.onlyDeallocatedBefore(this, seconds);
  }
  onlyAliveForAtLeast(seconds: number): AllocationList {
    return verbs.onlyAliveForAtLeast(this, seconds);
  }
  onlyAliveForAtMost(seconds: number): AllocationList {
    return verbs.onlyAliveForAtMost(this, seconds);
  }
  onlyAliveAt(seconds: number): AllocationList {
    return verbs.onlyAliveAt(this, seconds);
  }
  onlyAllocatedAfter(seconds: number): AllocationList {
    return verbs.onlyAllocatedAfter(this, seconds);
  }
  onlyAllocatedBefore(seconds: number): AllocationList {
    return verbs.onlyAllocatedBefore(this, seconds);
  }
  onlyLargerThan(bytes: number): AllocationList {
    return verbs.onlyLargerThan(this, bytes);
  }
  onlySmallerThan(bytes: number): AllocationList {
    return verbs.onlySmallerThan(this, bytes);
  }
  onlyPassingThroughFunction(pattern: RegExp | string): AllocationList {
    return verbs.onlyPassingThroughFunction(this, pattern);
  }
  onlyNotPassingThroughFunction(pattern: RegExp | string): AllocationList {
    return verbs.onlyNotPassingThroughFunction(this, pattern);
  }
  onlyPassingThroughSource(pattern: RegExp | string): AllocationList {
    return verbs.onlyPassingThroughSource(this, pattern);
  }
  onlyFromThread(thread: number | string | RegExp): AllocationList {
    return verbs.onlyFromThread(this, thread);
  }
  onlyReallocated(): AllocationList {
    return verbs.onlyReallocated(this);
  }
  groupByBacktrace(): AllocationGroupList {
    return verbs.groupByBacktrace(this);
  }
  groupBySite(): AllocationGroupList {
    return verbs.groupBySite(this);
  }
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
