/**
 * leakhound/testing in node:test: countLive's exact counts, and expectNoLeak on real
 * leaks (test/fixtures/leaks/: a promise table that keeps settled promises, as in
 * Agoric's liveslots; listeners never removed; intervals never cleared) and on their
 * fixed versions, on caches that plateau and on garbage only — each case several
 * times in a row, with the same verdict and the same numbers every time.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { countLive, expectNoLeak, ExpectNoLeakOptions, LeakError, LeakGrowth, LeakReport } from '../../../src/testing';
import { ROOT } from '../../helpers/helpers';

const LEAKS = path.join(ROOT, 'test', 'fixtures', 'leaks');

interface LiveSlots {
  watchPromise(p: Promise<unknown>): string;
  slotToVal: Map<string, Promise<unknown>>;
  reachableRefcounts: Map<string, number>;
}
const promiseTable = require(path.join(LEAKS, 'promise-table.js')) as {
  createLiveSlots(o: { fixed: boolean }): LiveSlots;
  deliver(l: LiveSlots, i: number): Promise<void>;
};
const listeners = require(path.join(LEAKS, 'listeners.js')) as {
  createServer(o: { fixed: boolean }): { handleRequest(id: number): string };
};
const intervals = require(path.join(LEAKS, 'intervals.js')) as {
  createPool(o: { fixed: boolean }): { handle(id: number): void };
};
const lru = require(path.join(LEAKS, 'lru-cache.js')) as {
  LruCache: new (capacity: number) => { get(key: number): unknown };
  CacheEntry: new (key: number) => unknown;
};

/** How many times each case runs in a row: the verdict and its numbers must not change. */
const REPEATS = 5;

/** A fixture's function under test: a fresh instance for every check, so that nothing carries over. */
interface Case {
  name: string;
  make(): (i: number) => unknown;
}

const LEAKY: Case[] = [
  {
    name: 'a promise table that keeps settled promises',
    make: () =>
      (
        (s) => (i) =>
          promiseTable.deliver(s, i)
      )(promiseTable.createLiveSlots({ fixed: false })),
  },
  {
    name: 'listeners never removed',
    make: () =>
      (
        (s) => (i) =>
          s.handleRequest(i)
      )(listeners.createServer({ fixed: false })),
  },
  {
    name: 'intervals never cleared',
    make: () =>
      (
        (p) => (i) =>
          p.handle(i)
      )(intervals.createPool({ fixed: false })),
  },
];

const CLEAN: Case[] = [
  {
    name: 'the fixed promise table',
    make: () =>
      (
        (s) => (i) =>
          promiseTable.deliver(s, i)
      )(promiseTable.createLiveSlots({ fixed: true })),
  },
  {
    name: 'listeners removed when done',
    make: () =>
      (
        (s) => (i) =>
          s.handleRequest(i)
      )(listeners.createServer({ fixed: true })),
  },
  {
    name: 'intervals cleared on close',
    make: () =>
      (
        (p) => (i) =>
          p.handle(i)
      )(intervals.createPool({ fixed: true })),
  },
  {
    name: 'an LRU cache full before the first census (capacity 4)',
    make: () =>
      (
        (c) => (i) =>
          c.get(i)
      )(new lru.LruCache(4)),
  },
  {
    name: 'an LRU cache that fills up between censuses (capacity 20)',
    make: () =>
      (
        (c) => (i) =>
          c.get(i)
      )(new lru.LruCache(20)),
  },
  { name: 'garbage only (objects, arrays, strings, closures, a Map, all dropped)', make: () => churn },
  { name: 'nothing at all', make: () => () => undefined },
];

function churn(i: number): number {
  const m = new Map<string, { i: number; tags: string[] }>();
  for (let k = 0; k < 50; k++) m.set(`k${i}-${k}`, { i: k, tags: [`t${k}`, String(i)] });
  const fns = [...m.values()].map((v) => () => v.i);
  return fns.reduce((s, f) => s + f(), 0);
}

/**
 * What must be the same on every run: what leaks and how fast, and for a collection
 * its sizes. (Not the live counts of a kind the test runner also makes, such as
 * Promise or Object: node:test's own come and go while the check runs.)
 */
function signature(leaks: LeakGrowth[]): string {
  // Promise: node:test's own come and go meanwhile, and may keep it from adding up (TESTING.md, limits)
  return leaks
    .filter((g) => g.name !== 'Promise')
    .map(
      (g) =>
        `${g.type} ${g.name} +${g.perIteration}/run${g.type === 'entries' ? ` (sizes ${g.counts.join(', ')})` : ''}`,
    )
    .join('\n');
}

async function verdictOf(fn: (i: number) => unknown, options?: ExpectNoLeakOptions): Promise<LeakError | LeakReport> {
  try {
    return await expectNoLeak(fn, options);
  } catch (e) {
    if (e instanceof LeakError) return e;
    throw e;
  }
}

function leak(error: LeakError, type: LeakGrowth['type'], name: string): LeakGrowth {
  const found = error.leaks.find((g) => g.type === type && g.name === name);
  assert.ok(found, `expected ${type} of ${name} among:\n${error.message}`);
  return found;
}

/** Heartbeat intervals the leaky pool never cleared, found among the live objects and cleared (they are unref'd anyway). */
function clearLeakedIntervals(): number {
  const probe = setTimeout(() => {}, 0);
  const Timeout = probe.constructor;
  clearTimeout(probe);
  const leaked: NodeJS.Timeout[] = [];
  countLive((o) => {
    if (o instanceof Timeout && (o as { _onTimeout?: { name?: string } })._onTimeout?.name === 'heartbeat')
      leaked.push(o as NodeJS.Timeout);
    return false;
  });
  for (const t of leaked) clearInterval(t);
  return leaked.length;
}

describe('countLive: exact live counts after a forced GC, no flag', () => {
  class Widget {
    constructor(readonly size: number) {}
  }

  it('runs without --expose-gc', () => {
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
    assert.ok(!process.execArgv.some((a) => a.includes('expose-gc')));
    assert.ok(!(process.env.NODE_OPTIONS ?? '').includes('expose-gc'));
  });

  it('counts instances of a class: 17 made, 5 dropped → 12, all dropped → 0', () => {
    assert.equal(countLive(Widget), 0);
    let widgets: Widget[] | undefined = Array.from({ length: 17 }, (_, i) => new Widget(i));
    assert.equal(countLive(Widget), 17);
    widgets.splice(0, 5);
    assert.equal(countLive(Widget), 12);
    widgets = undefined; // unreachable now, and not counted: countLive collects first
    assert.equal(countLive(Widget), 0);
  });

  it('counts subclasses as instances, and the objects a predicate accepts', () => {
    class Gadget extends Widget {}
    const kept = [new Widget(1), new Widget(20), new Gadget(30), new Gadget(2)];
    assert.equal(countLive(Widget), 4);
    assert.equal(countLive(Gadget), 2);
    assert.equal(
      countLive((o) => o instanceof Widget && o.size > 10),
      2,
    );
    assert.equal(countLive({ where: (o) => o instanceof Gadget }), 2);
    assert.equal(kept.length, 4);
  });

  it('counts built-in kinds exactly', () => {
    const before = countLive(Map);
    const maps = [new Map(), new Map(), new Map()];
    assert.equal(countLive(Map), before + 3);
    assert.equal(maps.length, 3);
  });

  it('takes a constructor function for a class when its prototype has methods, or when told', () => {
    function Point(this: { x: number }, x: number) {
      this.x = x;
    }
    function Vector(this: { x: number }, x: number) {
      this.x = x;
    }
    Vector.prototype.length = function (this: { x: number }) {
      return Math.abs(this.x);
    };
    const kept = [
      new (Point as unknown as new (x: number) => object)(1),
      new (Vector as unknown as new (x: number) => object)(2),
    ];
    assert.equal(countLive({ instancesOf: Point as unknown as new () => object }), 1);
    assert.equal(countLive(Vector as unknown as new () => object), 1);
    assert.equal(kept.length, 2);
  });

  it('treats a predicate that throws on some object as not matching it', () => {
    const kept = [new Widget(5)];
    const n = countLive((o) => {
      if (!(o instanceof Widget)) throw new Error('not mine');
      return true;
    });
    assert.equal(n, 1);
    assert.equal(kept.length, 1);
  });
});

describe('expectNoLeak catches real leaks, with what grew, how fast, and what holds it', () => {
  after(() => clearLeakedIntervals());

  it('a promise table that keeps settled promises: +2 table entries per delivery, exactly; their reasons; the promises, when named', async () => {
    const error = await verdictOf(LEAKY[0].make());
    assert.ok(error instanceof LeakError, 'expected a LeakError');
    assert.equal(error.name, 'LeakError');
    // The table, which seed 002's test measures: its growth is exact on every run.
    const tables = error.leaks.filter((g) => g.type === 'entries' && g.name === 'Map');
    assert.equal(tables.length, 2, error.message); // slotToVal and reachableRefcounts
    for (const t of tables) {
      assert.equal(t.perIteration, 2);
      assert.deepEqual(t.counts, [10, 30, 50, 70]);
      assert.deepEqual(t.lastEntries, ['"p+69"', '"p+70"']);
    }
    assert.match(tables.map((t) => t.retainedBy).join('\n'), /Object\.slotToVal/);
    assert.match(
      error.message,
      /^expectNoLeak: \d kinds? of objects? and 2 collections grow with every iteration \(5 warm-up runs, then 30 measured; a census of live objects after 5, 15, 25, 35 runs\):\n/,
    );
    assert.match(
      error.message,
      /\n {2}Map entries: \+2 entries per iteration \(10 → 30 → 50 → 70 entries after 5, 15, 25, 35 runs\)\n {4}last keys: "p\+69", "p\+70"/,
    );
    assert.equal(leak(error, 'instances', 'Error').perIteration, 1); // the rejected promise's reason
    // The promises themselves: node:test makes and frees promises of its own while the
    // check runs, and when it frees many the live count of Promise does not add up
    // (TESTING.md, limits). When they are named, they are named exactly.
    const promises = error.leaks.find((g) => g.type === 'instances' && g.name === 'Promise');
    if (promises) {
      assert.equal(promises.perIteration, 2);
      assert.deepEqual(promises.runs, [5, 15, 25, 35]);
      assert.ok(
        promises.survivors?.every((n) => n >= 20),
        `all 20 made in each step survive: ${promises.survivors?.join(', ')}`,
      );
      assert.match(promises.retainedBy ?? '', /^Map entry ← Object\.slotToVal ← /);
      assert.match(
        error.message,
        /\n {2}Promise: \+2 per iteration \(\d+ → \d+ → \d+ → \d+ live after 5, 15, 25, 35 runs\)\n {4}still alive of those made in each step: \d+, \d+, \d+\n {4}retained by: Map entry ← Object\.slotToVal/,
      );
    }
  });

  it('listeners never removed: +1 listener closure and +1 Session per request, held by the emitter', async () => {
    const error = await verdictOf(LEAKY[1].make());
    assert.ok(error instanceof LeakError);
    const closures = leak(error, 'instances', '(closure) onConfigChange');
    assert.equal(closures.perIteration, 1);
    assert.deepEqual(closures.counts, [5, 15, 25, 35]);
    assert.deepEqual(closures.survivors, [10, 10, 10]);
    assert.equal(closures.site, 'test/fixtures/leaks/listeners.js:23');
    assert.match(closures.retainedBy ?? '', /^Array element ← Object\.change ← EventEmitter\._events ← /);
    const sessions = leak(error, 'instances', 'Session');
    assert.equal(sessions.perIteration, 1);
    assert.equal(sessions.site, 'test/fixtures/leaks/listeners.js:11');
    assert.equal(
      sessions.retainedBy,
      'variable `session`, closed over by onConfigChange (test/fixtures/leaks/listeners.js:23)',
    );
    assert.equal(leak(error, 'entries', 'Array').perIteration, 1); // the emitter's listener array
    assert.match(
      error.message,
      /\n {2}\(closure\) onConfigChange: \+1 per iteration \(5 → 15 → 25 → 35 live after 5, 15, 25, 35 runs\)\n {4}still alive of those made in each step: 10, 10, 10\n {4}defined at test\/fixtures\/leaks\/listeners\.js:23\n/,
    );
  });

  it('intervals never cleared: +1 heartbeat closure, Timeout and Connection per connection, held by the timer list', async () => {
    const error = await verdictOf(LEAKY[2].make());
    assert.ok(error instanceof LeakError);
    const heartbeats = leak(error, 'instances', '(closure) heartbeat');
    assert.equal(heartbeats.perIteration, 1);
    assert.deepEqual(heartbeats.counts, [5, 15, 25, 35]);
    assert.equal(heartbeats.site, 'test/fixtures/leaks/intervals.js:19');
    assert.match(heartbeats.retainedBy ?? '', /^Timeout\._onTimeout ← .*timerListMap/);
    assert.equal(leak(error, 'instances', 'Timeout').perIteration, 1);
    const connections = leak(error, 'instances', 'Connection');
    assert.equal(connections.perIteration, 1);
    assert.equal(
      connections.retainedBy,
      'variable `connection`, closed over by heartbeat (test/fixtures/leaks/intervals.js:19)',
    );
    assert.ok(clearLeakedIntervals() >= 35);
  });

  it('fails the same way on every run: same kinds, rates and growth per step', async () => {
    for (const c of LEAKY) {
      const seen: string[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const v = await verdictOf(c.make(), { retainers: false });
        assert.ok(v instanceof LeakError, `${c.name}, run ${r + 1}: passed`);
        seen.push(signature(v.leaks));
      }
      clearLeakedIntervals();
      for (const s of seen) assert.equal(s, seen[0], `${c.name}: the verdict changed between runs`);
    }
  });
});

describe('expectNoLeak passes fixed code, plateaus and garbage, every time', () => {
  for (const c of CLEAN) {
    it(`${c.name}: passes ${REPEATS} times in a row`, async () => {
      for (let r = 0; r < REPEATS; r++) {
        const v = await verdictOf(c.make());
        if (v instanceof LeakError) assert.fail(`${c.name}, run ${r + 1}:\n${v.message}`);
        assert.deepEqual(v.leaks, []);
        assert.deepEqual(v.runs, [5, 15, 25, 35]);
      }
    });
  }

  it('a cache still filling when the check ends reads as a leak: warm it up past its capacity', async () => {
    // a 100-entry LRU grows by one entry per run for the whole check (35 runs)...
    const filling = await verdictOf(
      (
        (c) => (i: number) =>
          c.get(i)
      )(new lru.LruCache(100)),
      { retainers: false },
    );
    assert.ok(filling instanceof LeakError);
    assert.equal(leak(filling, 'instances', 'CacheEntry').perIteration, 1);
    // ...and plateaus once the warm-up fills it
    const warm = await verdictOf(
      (
        (c) => (i: number) =>
          c.get(i)
      )(new lru.LruCache(100)),
      { warmup: 110 },
    );
    assert.ok(!(warm instanceof LeakError), warm instanceof LeakError ? warm.message : '');
  });
});

describe('expectNoLeak options', () => {
  it('spaces the censuses evenly after the warm-up', async () => {
    const report = await expectNoLeak(() => undefined, { warmup: 2, iterations: 12, checkpoints: 5 });
    assert.deepEqual(report.runs, [2, 5, 8, 11, 14]);
  });

  it('awaits async functions and passes each run its index', async () => {
    let runs = 0;
    let indexSum = 0;
    let pending = 0;
    await expectNoLeak(
      async (i) => {
        assert.equal(pending, 0, 'the previous run had not finished');
        pending++;
        await new Promise((resolve) => setImmediate(resolve));
        pending--;
        runs++;
        indexSum += i;
      },
      { warmup: 1, iterations: 3, checkpoints: 4 },
    );
    assert.equal(runs, 4);
    assert.equal(indexSum, 0 + 1 + 2 + 3);
  });

  it('sees a collection that grows without new objects: an array of numbers, a Map of numbers', async () => {
    const history: number[] = [];
    const counters = new Map<number, number>();
    const error = await verdictOf(
      (i) => {
        history.push(i);
        counters.set(i, i * 2);
      },
      { retainers: false },
    );
    assert.ok(error instanceof LeakError);
    assert.deepEqual(
      error.leaks
        .map((g) => `${g.type} ${g.name} +${g.perIteration} ${g.counts.join(' ')} ${g.lastEntries?.join(' ')}`)
        .sort(),
      ['entries Array +1 5 15 25 35 33 34', 'entries Map +1 5 15 25 35 33 34'],
    );
    assert.match(error.message, /^expectNoLeak: 2 collections grow with every iteration/);
  });

  it('reports the growth per run for other step sizes', async () => {
    const kept: object[] = [];
    class Record {}
    const error = await verdictOf(() => kept.push(new Record(), new Record(), new Record()), {
      warmup: 3,
      iterations: 8,
      checkpoints: 3,
      retainers: false,
    });
    assert.ok(error instanceof LeakError);
    const records = leak(error, 'instances', 'Record');
    assert.equal(records.perIteration, 3);
    assert.deepEqual(records.counts, [9, 21, 33]);
  });

  it('rejects options that cannot work', async () => {
    await assert.rejects(
      expectNoLeak(() => undefined, { checkpoints: 2 }),
      /checkpoints must be an integer ≥ 3/,
    );
    await assert.rejects(
      expectNoLeak(() => undefined, { iterations: 2, checkpoints: 4 }),
      /iterations must be an integer ≥ 3/,
    );
    await assert.rejects(
      expectNoLeak(() => undefined, { warmup: -1 }),
      /warmup must be an integer ≥ 0/,
    );
  });

  it('passes errors of the function through', async () => {
    await assert.rejects(
      expectNoLeak((i) => {
        if (i === 7) throw new Error('boom at 7');
      }),
      /boom at 7/,
    );
  });
});
