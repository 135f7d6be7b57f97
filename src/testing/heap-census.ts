import { types } from 'node:util';

/**
 * Censuses of live objects, by kind, at each checkpoint of an expectNoLeak run;
 * when each object was first seen (its birth step), for the survivors at the end;
 * and the sizes of the collections (Map, Set, Array, plain object) that were alive at
 * the first census, at each later one.
 *
 * What it keeps from one census to the next is allocated at the first one (and when
 * a kind is seen for the first time), and the loops over the objects allocate no
 * object of their own: optimized code can keep a few recent temporaries alive until
 * the next census, which would count as growth.
 */
export type CollectionKind = 'Map' | 'Set' | 'Array' | 'Object';

const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const mapKeys = Map.prototype.keys;
const setValues = Set.prototype.values;

/** A function's own `name`, read without running a getter. */
// biome-ignore lint/complexity/noBannedTypes: any function, a class too: what `typeof x === 'function'` leaves
function functionName(fn: Function): string {
  const name = Object.getOwnPropertyDescriptor(fn, 'name')?.value as unknown;
  return typeof name === 'string' && name !== '' ? name : '(anonymous)';
}

/**
 * What an object is, as a census counts it: `(closure) name` for a function, its
 * constructor's name for anything else (`Object` when it has none). Reads only
 * prototypes and own data properties: no getter, proxy trap or user code runs.
 */
export function kindOf(o: object): string {
  if (types.isProxy(o)) return 'Proxy';
  if (typeof o === 'function') return `(closure) ${functionName(o)}`;
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === null || types.isProxy(proto)) return 'Object';
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
  if (typeof ctor !== 'function' || types.isProxy(ctor)) return 'Object';
  const name = functionName(ctor);
  return name === '(anonymous)' ? '(anonymous class)' : name;
}

/** Which kind of collection an object is, if it is one whose size is tracked. */
export function collectionKind(o: object): CollectionKind | undefined {
  if (types.isProxy(o)) return undefined;
  if (types.isMap(o)) return 'Map';
  if (types.isSet(o)) return 'Set';
  if (Array.isArray(o)) return 'Array';
  if (typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype) return 'Object';
  return undefined;
}

/** The number of entries of a collection: a Map's or Set's size, an Array's length, a plain object's own enumerable keys. */
export function collectionSize(o: object, kind: CollectionKind): number {
  switch (kind) {
    case 'Map':
      return mapSize.call(o) as number;
    case 'Set':
      return setSize.call(o) as number;
    case 'Array':
      return (o as unknown[]).length;
    default:
      return Object.keys(o).length;
  }
}

/** The last few entries of a collection, for the message: keys of a Map or object, values of a Set or Array. */
export function lastEntries(o: object, kind: CollectionKind, count = 2): unknown[] {
  let all: unknown[];
  if (kind === 'Map') all = Array.from(mapKeys.call(o as Map<unknown, unknown>));
  else if (kind === 'Set') all = Array.from(setValues.call(o as Set<unknown>));
  else if (kind === 'Object') all = Object.keys(o);
  else {
    const a = o as unknown[];
    all = [];
    for (let i = Math.max(0, a.length - count); i < a.length; i++)
      all.push(Object.getOwnPropertyDescriptor(a, i)?.value);
  }
  return all.slice(-count);
}

export class CensusSeries {
  /** Runs done at each census. */
  readonly runs: number[];
  /** Kind names, in the order first seen, and the index of each. */
  readonly kindNames: string[] = [];
  private readonly kindIndex = new Map<string, number>();
  /** Live objects of kind i at census k: counts[i * checkpoints + k]. */
  private readonly counts: number[] = [];
  /** At the last census: survivors of kind i first seen at census j, cohorts[i * checkpoints + j]. */
  private cohorts: number[] = [];
  /** The census each object was first seen at. */
  private readonly born = new WeakMap<object, number>();
  /** The collections alive at the first census: slot of each, its kind and its size at each census. */
  private readonly tracked = new WeakMap<object, number>();
  private trackedKinds: CollectionKind[] = [];
  private sizes = new Float64Array(0);

  constructor(readonly checkpoints: number) {
    this.runs = new Array<number>(checkpoints).fill(0);
  }

  record(k: number, runs: number, objects: object[]): void {
    this.runs[k] = runs;
    const n = this.checkpoints;
    const last = k === n - 1;
    if (last) this.cohorts = new Array<number>(this.counts.length).fill(0);
    const firstSizes: number[] = [];
    const firstKinds: CollectionKind[] = [];
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i];
      const kind = this.indexOf(kindOf(o));
      this.counts[kind * n + k]++;
      let birth = this.born.get(o);
      if (birth === undefined) {
        this.born.set(o, k);
        birth = k;
      }
      if (last) this.cohorts[kind * n + birth]++;
      if (k === 0) {
        const c = collectionKind(o);
        if (c !== undefined) {
          this.tracked.set(o, firstSizes.length);
          firstSizes.push(collectionSize(o, c));
          firstKinds.push(c);
        }
      } else {
        const slot = this.tracked.get(o);
        if (slot !== undefined) this.sizes[slot * n + k] = collectionSize(o, this.trackedKinds[slot]);
      }
    }
    if (k === 0) {
      this.trackedKinds = firstKinds;
      this.sizes = new Float64Array(firstSizes.length * n);
      for (let i = 0; i < firstSizes.length; i++) this.sizes[i * n] = firstSizes[i];
    }
  }

  private indexOf(kind: string): number {
    let i = this.kindIndex.get(kind);
    if (i === undefined) {
      i = this.kindNames.length;
      this.kindIndex.set(kind, i);
      this.kindNames.push(kind);
      for (let k = 0; k < this.checkpoints; k++) {
        this.counts.push(0);
        this.cohorts.push(0);
      }
    }
    return i;
  }

  /** Live objects of a kind at each census. */
  kindCounts(i: number): number[] {
    return this.counts.slice(i * this.checkpoints, (i + 1) * this.checkpoints);
  }

  /** Survivors at the last census of a kind, by the census they were first seen at. */
  kindCohorts(i: number): number[] {
    return this.cohorts.slice(i * this.checkpoints, (i + 1) * this.checkpoints);
  }

  get trackedCount(): number {
    return this.trackedKinds.length;
  }

  trackedSizes(slot: number): number[] {
    return Array.from(this.sizes.subarray(slot * this.checkpoints, (slot + 1) * this.checkpoints));
  }

  trackedKind(slot: number): CollectionKind {
    return this.trackedKinds[slot];
  }

  slotOf(o: object): number | undefined {
    return this.tracked.get(o);
  }

  /** The census an object was first seen at (undefined: never seen). */
  birthOf(o: object): number | undefined {
    return this.born.get(o);
  }
}
