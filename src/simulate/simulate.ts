import { LhpWriter } from '../format/writer';
import { progressBar } from '../util/progress';
import { SimulatedHeap } from './heap';
import { prng } from './prng';
import { ALLOCATOR_FRAMES, CHURN_EXTRA, MAIN_OUTER, PATTERNS, Pattern, PatternName, WORKER_OUTER } from './scenario';

export interface SimulateOptions {
  output: string;
  /** Total allocations to make, about (default 200 000). */
  allocations?: number;
  seed?: number;
  compress?: boolean;
  progress?: boolean;
}

export interface SimulateSummary {
  allocations: number;
  frees: number;
  runtimeSeconds: number;
  patterns: Pattern[];
}

/** Allocations per work unit, on average: 3 temporaries + 1 request context + the periodic ones below. */
const ALLOCS_PER_UNIT = 3 + 1 + 1 / 16 + 1 / 4 + 1 / 24 + 1 / 40;
const UNIT_NS = 60_000;
const WORKERS = 3;
/** One request in a thousand leaks its context. */
const RARE_LEAK_RATE = 0.001;
const POOL_SIZE = 200;
const LOG_REGIONS = [0x7f00_0000_0000, 0x7f10_0000_0000];

/**
 * Writes a deterministic recording of a demo server that shows every pattern the
 * diagnosis knows: a linear leak, an LRU cache, a rare leak among temporaries, a
 * leak freed at exit, a buffer grown by realloc, a high-water pool and churn.
 */
/** The pid the demo server's recording names. */
const DEMO_PID = 4242;

export function simulate(options: SimulateOptions): SimulateSummary {
  const target = options.allocations ?? 200_000;
  const units = Math.max(100, Math.round(target / ALLOCS_PER_UNIT));
  const random = prng(options.seed ?? 1);
  const writer = LhpWriter.create(
    options.output,
    {
      recorder: 'simulate',
      command: ['demo-server', '--port', '8080'],
      pid: DEMO_PID, // the demo server's, not simulate's: same seed, same recording
      options: { seed: options.seed ?? 1, allocations: target },
    },
    { compress: options.compress },
  );
  const heap = new SimulatedHeap();
  const bar = progressBar(options.progress ?? false, 'simulating');

  const tids = [4000, 4001, 4002, 4003];
  writer.thread(tids[0], 'main');
  for (let w = 1; w <= WORKERS; w++) writer.thread(tids[w], `worker-${w}`);
  const stackOf = (allocator: Pattern['allocator'], frames: Pattern['frames'], onMain: boolean): number =>
    writer.stack(
      [ALLOCATOR_FRAMES[allocator], ...frames, ...(onMain ? MAIN_OUTER : WORKER_OUTER)].map((fr) => writer.frame(fr)),
    );
  const byName = new Map(PATTERNS.map((p) => [p.name, p]));
  const stack = (name: PatternName, onMain = false): number => {
    const p = byName.get(name)!;
    return stackOf(p.allocator, p.frames, onMain);
  };
  const stacks = {
    linear: stack('linear'),
    lru: stack('lru-cache'),
    rare: stack('rare'),
    exit: stack('freed-at-exit', true),
    realloc: stack('realloc-growth'),
    pool: stack('pool'),
    churn: [stack('churn'), ...CHURN_EXTRA.map((c) => stackOf(c.allocator, c.frames, false))],
  };

  let now = 0;
  let allocations = 0;
  let frees = 0;
  let live = 0;
  const alloc = (stackId: number, size: number, tid: number): number => {
    const address = heap.malloc(size);
    writer.alloc(now, address, size, stackId, tid);
    live += size;
    allocations++;
    return address;
  };
  const free = (address: number): void => {
    live -= heap.free(address);
    writer.free(now, address);
    frees++;
  };
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

  // Temporaries wait in a ring of buckets until their unit comes.
  const RING = 8;
  const pending: number[][] = Array.from({ length: RING }, () => []);
  let unitIndex = 0;
  const freeLater = (address: number, afterUnits: number): void => {
    pending[(unitIndex + afterUnits) % RING].push(address);
  };

  const lruCapacity = Math.max(8, Math.round(units / 4 / 4)); // full after a quarter of the run
  const lru: number[] = [];
  let lruHead = 0;
  const connections: number[] = [];
  let logBuffer = 0;
  let logSize = 0;
  const pool: number[] = [];

  for (; unitIndex < units; unitIndex++) {
    const tid = tids[1 + (unitIndex % WORKERS)];
    now += between(UNIT_NS - 20_000, UNIT_NS + 20_000);
    for (const a of pending[unitIndex % RING].splice(0)) free(a);

    for (let k = 0; k < 3; k++) freeLater(alloc(stacks.churn[k], between(32, 256), tid), between(0, 5));
    const context = alloc(stacks.rare, between(96, 160), tid);
    if (random() >= RARE_LEAK_RATE) freeLater(context, between(0, 3));
    if (unitIndex % 16 === 0) alloc(stacks.linear, between(200, 300), tid);
    if (unitIndex % 4 === 0) {
      lru.push(alloc(stacks.lru, between(400, 600), tid));
      if (lru.length - lruHead > lruCapacity) free(lru[lruHead++]);
    }
    if (unitIndex % 24 === 0) connections.push(alloc(stacks.exit, between(320, 448), tids[0]));
    if (unitIndex % 40 === 0) {
      const size = logSize + 48;
      // A growing buffer moves between two big regions, as mremap'ed chunks do.
      const address = logBuffer === LOG_REGIONS[0] ? LOG_REGIONS[1] : LOG_REGIONS[0];
      writer.realloc(now, logBuffer, address, size, stacks.realloc, tid);
      live += size - logSize;
      allocations++;
      logBuffer = address;
      logSize = size;
    }
    const demand = Math.min(POOL_SIZE, Math.ceil((POOL_SIZE * unitIndex) / (units * 0.2)) + between(-5, 0));
    while (pool.length < demand) pool.push(alloc(stacks.pool, 1024, tid));

    if (unitIndex % Math.max(1, Math.floor(units / 200)) === 0) {
      writer.sample(now, 'rss', 8 * 1024 * 1024 + live + between(0, 64 * 1024));
      writer.sample(now, 'heap.used', live);
      bar?.update(unitIndex / units);
    }
    if (unitIndex === Math.floor(units * 0.05)) writer.mark(now, 'phase: warm-up done');
    if (unitIndex === Math.floor(units / 2)) writer.mark(now, 'SIGUSR2 dump');
  }

  // Shutdown, about 0.5 % of the run: drain temporaries, close every remembered connection.
  writer.mark(now, 'phase: shutdown');
  for (const bucket of pending) for (const a of bucket.splice(0)) free(a);
  const shutdownNs = (now * 0.005) / Math.max(1, connections.length);
  for (const c of connections) {
    now += shutdownNs;
    free(c);
  }
  writer.sample(now, 'rss', 8 * 1024 * 1024 + live);
  writer.finish(now);
  writer.close();
  bar?.stop();
  return { allocations, frees, runtimeSeconds: now / 1e9, patterns: PATTERNS };
}
