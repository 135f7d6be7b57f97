import { performance } from 'node:perf_hooks';
import { setImmediate as realSetImmediate } from 'node:timers';
import { entryGrowth, objectGrowth } from './decide';
import { CensusSeries, kindOf, lastEntries } from './heap-census';
import { takeHeapSnapshot } from './heap-snapshot';
import { LeakError, LeakGrowth, LeakReport } from './leak-error';
import { newGroup, queryLive } from './live-objects';
import { Realms } from './realm';
import { classSite, closureSite, pathDescriber, shortestPaths } from './retainers';
import { SyncSession } from './session';
import { SourceLocator } from './source-maps';

export interface ExpectNoLeakOptions {
  /** Runs measured after the warm-up (default 30), split evenly between the censuses. */
  iterations?: number;
  /** Runs before the first census (default 5): what the function creates once (caches filled, modules loaded, lazy singletons) is made by then. */
  warmup?: number;
  /** Censuses of live objects (default 4, at least 3): after the warm-up, then after each equal share of the iterations. */
  checkpoints?: number;
  /**
   * On a leak, take one heap snapshot to say what keeps a leaked object alive (a
   * retainer path) and where its class or function is defined (default true). It costs
   * about as much as the heap is big: 0.3–1 s on a small heap, 1–2 s in Jest.
   */
  retainers?: boolean;
}

export const DEFAULT_OPTIONS: Required<ExpectNoLeakOptions> = {
  iterations: 30,
  warmup: 5,
  checkpoints: 4,
  retainers: true,
};

/** The most leaks given a retainer path and a site (the fastest growing first). */
const MAX_EXPLAINED = 8;
/** The most instances of a leaking kind whose retainer paths are compared. */
const MAX_CANDIDATES = 25;

/**
 * Runs `fn` (sync or async: each run is awaited) `warmup + iterations` times and
 * rejects with a `LeakError` when objects it leaves behind grow in proportion to
 * the number of runs; resolves with what it measured otherwise.
 *
 * After the warm-up and after each equal share of the iterations, a census counts
 * the live objects of the calling realm by kind (constructor name, or function name
 * for closures) after a full, forced garbage collection, notes when each object was
 * first seen, and measures the Maps, Sets, Arrays and plain objects alive at the
 * first census. A kind leaks when what every step made is still alive at the end and
 * the count grows by as much; a collection leaks when it grows in every step at a
 * steady rate (decide.ts). A cache that fills up and plateaus does not. Counts are
 * exact and nothing depends on time, so the verdict is the same every run.
 *
 * `fn` gets the run's index (0, 1, …), for unique keys.
 */
export async function expectNoLeak(
  fn: (iteration: number) => unknown,
  options: ExpectNoLeakOptions = {},
): Promise<LeakReport> {
  const o = resolveOptions(options);
  const started = performance.now();
  const runsAt = checkpointRuns(o);
  const series = new CensusSeries(o.checkpoints);
  let run = 0;
  let leaks: LeakGrowth[] = [];
  for (let k = 0; k < runsAt.length; k++) {
    while (run < runsAt[k]) {
      const r = fn(run);
      if (isPromiseLike(r)) await r;
      run++;
    }
    await settle();
    if (k < runsAt.length - 1) {
      censusOnly(series, k, run);
    } else {
      leaks = lastCensus(series, k, run, o.retainers);
    }
  }
  const report: LeakReport = {
    leaks,
    runs: [...series.runs],
    warmup: o.warmup,
    iterations: o.iterations,
    ms: performance.now() - started,
  };
  if (leaks.length > 0) throw new LeakError(report);
  return report;
}

function resolveOptions(options: ExpectNoLeakOptions): Required<ExpectNoLeakOptions> {
  const o = { ...DEFAULT_OPTIONS, ...definedOnly(options) };
  const int = (name: keyof ExpectNoLeakOptions, min: number): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`expectNoLeak: ${name} must be an integer ≥ ${min} (got ${String(v)})`);
  };
  int('checkpoints', 3);
  int('warmup', 0);
  int('iterations', o.checkpoints - 1);
  return o;
}

function definedOnly(options: ExpectNoLeakOptions): ExpectNoLeakOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ExpectNoLeakOptions;
}

/** Runs done at each census: the warm-up, then equal shares of the iterations. */
export function checkpointRuns(o: Required<ExpectNoLeakOptions>): number[] {
  const at: number[] = [];
  for (let k = 0; k < o.checkpoints; k++) at.push(o.warmup + Math.round((k * o.iterations) / (o.checkpoints - 1)));
  return at;
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * One turn of the event loop before a census, so that what the runs scheduled
 * (promise reactions, `process.nextTick`, `setImmediate` callbacks) has run. Node's
 * own setImmediate, which fake timers (Jest's, Vitest's, sinon's) do not replace.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

function censusOnly(series: CensusSeries, k: number, runs: number): void {
  const session = new SyncSession();
  try {
    const realms = new Realms(session, newGroup());
    try {
      series.record(k, runs, queryLive(session, realms, Object.prototype).objects);
    } finally {
      realms.release();
    }
  } finally {
    session.close();
  }
}

/**
 * A leak found at the last census: the collection's slot (for entries), and the heap
 * object ids of the objects to explain it by (the collection; or instances made in
 * the first measured step and alive ever since).
 */
interface Finding {
  growth: LeakGrowth;
  slot?: number;
  heapIds: number[];
}

function lastCensus(series: CensusSeries, k: number, runs: number, retainers: boolean): LeakGrowth[] {
  const session = new SyncSession();
  try {
    const findings = measure(session, series, k, runs, retainers);
    if (retainers && findings.some((f) => f.heapIds.length > 0)) explain(session, findings);
    return findings.map((f) => f.growth).sort(byGrowth);
  } finally {
    session.close();
  }
}

/**
 * The last census, the verdict, and for each leak its exemplars, named by their heap
 * object ids: the growing collection, or up to MAX_CANDIDATES instances of a growing
 * kind made in the first measured step and alive ever since (leaked ones, mostly; a
 * test runner may keep one of its own too, which is why there are several). This
 * frame holds every live object; it returns before the heap snapshot is taken, so
 * that the snapshot does not see them held by the stack.
 */
function measure(session: SyncSession, series: CensusSeries, k: number, runs: number, retainers: boolean): Finding[] {
  const realms = new Realms(session, newGroup());
  try {
    const { objects, arrayId } = queryLive(session, realms, Object.prototype);
    series.record(k, runs, objects);
    const findings = verdict(series);
    if (findings.length === 0) return findings;
    const shown = findings.slice(0, MAX_EXPLAINED);
    const byKind = new Map<string, Finding>();
    const bySlot = new Map<number, Finding>();
    for (const f of shown) {
      if (f.growth.type === 'instances') byKind.set(f.growth.name, f);
      else if (f.slot !== undefined) bySlot.set(f.slot, f);
    }
    const exemplars = new Map<Finding, number[]>();
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i];
      const slot = series.slotOf(o);
      const asCollection = slot === undefined ? undefined : bySlot.get(slot);
      if (asCollection) {
        exemplars.set(asCollection, [i]);
        asCollection.growth.lastEntries = lastEntries(o, series.trackedKind(slot!)).map(preview);
      }
      if (byKind.size > 0 && series.birthOf(o) === 1) {
        const f = byKind.get(kindOf(o));
        if (!f) continue;
        const list = exemplars.get(f) ?? [];
        if (list.length < MAX_CANDIDATES) exemplars.set(f, [...list, i]);
      }
    }
    if (retainers && exemplars.size > 0) {
      // ids are given to every object once tracking starts; the snapshot keeps them
      session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
      for (const [f, indices] of exemplars) {
        for (const i of indices) {
          const remote = realms.call(arrayId, 'function (i) { return this[i]; }', [i]);
          if (!remote.objectId) continue;
          const { heapSnapshotObjectId } = session.post<{ heapSnapshotObjectId: string }>(
            'HeapProfiler.getHeapObjectId',
            { objectId: remote.objectId },
          );
          const id = Number(heapSnapshotObjectId);
          if (id > 0) f.heapIds.push(id);
        }
      }
    }
    return findings;
  } finally {
    realms.release();
  }
}

/** Every series that grows with the runs: kinds of objects first, then collections; fastest first. */
function verdict(series: CensusSeries): Finding[] {
  const runs = series.runs;
  const found: Finding[] = [];
  series.kindNames.forEach((name, i) => {
    const counts = series.kindCounts(i);
    const survivors = series.kindCohorts(i);
    const g = objectGrowth(counts, runs, survivors);
    if (g)
      found.push({
        growth: {
          type: 'instances',
          name,
          perIteration: g.perIteration,
          counts,
          runs: [...runs],
          survivors: survivors.slice(1),
        },
        heapIds: [],
      });
  });
  const collections: Finding[] = [];
  for (let slot = 0; slot < series.trackedCount; slot++) {
    const sizes = series.trackedSizes(slot);
    const g = entryGrowth(sizes, runs);
    if (g)
      collections.push({
        slot,
        growth: {
          type: 'entries',
          name: series.trackedKind(slot),
          perIteration: g.perIteration,
          counts: sizes,
          runs: [...runs],
        },
        heapIds: [],
      });
  }
  const order = (a: Finding, b: Finding): number => byGrowth(a.growth, b.growth);
  return [...found.sort(order), ...collections.sort(order)];
}

/**
 * The order of a message's findings, the same every run: kinds of objects, then
 * collections; fastest first; then by name, sizes, retainer path and last entries
 * (two Maps that grow alike are told apart by what holds them).
 */
function byGrowth(a: LeakGrowth, b: LeakGrowth): number {
  const text = (g: LeakGrowth): string[] => [
    g.name,
    g.counts.join(' '),
    g.retainedBy ?? '',
    (g.lastEntries ?? []).join(' '),
  ];
  if (a.type !== b.type) return a.type === 'instances' ? -1 : 1;
  if (a.perIteration !== b.perIteration) return b.perIteration - a.perIteration;
  const ta = text(a);
  const tb = text(b);
  for (let i = 0; i < ta.length; i++) if (ta[i] !== tb[i]) return ta[i] < tb[i] ? -1 : 1;
  return 0;
}

/** A collection entry as text: primitives as literals, objects by kind. */
function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object' && v !== null) return `[${kindOf(v)}]`;
  if (typeof v === 'function') return `[${kindOf(v)}]`;
  if (typeof v === 'bigint') return `${v}n`;
  return String(v);
}

/**
 * One heap snapshot: for each leak, the retainer path most of its exemplars share (the
 * first in text order on a tie, so the same one every run), and where its class or
 * function is defined.
 */
function explain(session: SyncSession, findings: Finding[]): void {
  const graph = takeHeapSnapshot(session);
  const wanted = new Set<number>();
  for (const f of findings) for (const id of f.heapIds) wanted.add(id);
  const nodes = graph.nodesById(wanted);
  const paths = shortestPaths(graph, [...nodes.values()]);
  const locator = new SourceLocator(session);
  const describe = pathDescriber(graph, locator);
  for (const f of findings) {
    const votes = new Map<string, { n: number; node: number }>();
    for (const id of f.heapIds) {
      const node = nodes.get(id);
      const hops = node === undefined ? undefined : paths.get(node);
      if (node === undefined || !hops) continue;
      const text = describe(hops);
      const v = votes.get(text);
      if (v) v.n++;
      else votes.set(text, { n: 1, node });
    }
    let best: [string, { n: number; node: number }] | undefined;
    for (const entry of votes) {
      if (!best || entry[1].n > best[1].n || (entry[1].n === best[1].n && entry[0] < best[0])) best = entry;
    }
    if (!best) continue;
    f.growth.retainedBy = best[0];
    const node = best[1].node;
    if (f.growth.type === 'instances') {
      f.growth.site =
        graph.type(node) === 'closure' ? closureSite(graph, node, locator) : classSite(graph, node, locator);
    }
  }
}
