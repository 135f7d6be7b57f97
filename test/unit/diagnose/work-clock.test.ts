import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { diagnose, Diagnosis } from '../../../src/diagnose/diagnose';
import { workClock, WALL_CLOCK } from '../../../src/diagnose/work-clock';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const MS = 1e6;

/** Where the program stood still: [from, length] in ms of its own (unstalled) time. */
type Stall = [number, number];

/** A wall time for a moment of the program's own time, after the stalls before it. */
const stalledBy =
  (stalls: Stall[]) =>
  (ms: number): number =>
    (ms + stalls.filter(([from]) => from <= ms).reduce((s, [, len]) => s + len, 0)) * MS;

/**
 * A 2 s program of 20,000 requests, one every 0.1 ms of its own time: each leaks
 * 256 B (every 10th request), puts an entry in a 3,000-entry cache that evicts the
 * oldest, and makes a temporary that lives 2 ms. The request just before each stall
 * holds its temporary across it. `stalls`: where the machine stood it still.
 */
function program(name: string, stalls: Stall[]): Diagnosis {
  const wall = stalledBy(stalls);
  const file = path.join(dir, `${name}.lhp`);
  const w = LhpWriter.create(file, { recorder: 'test' });
  const site = (fn: string) =>
    w.stack([
      w.frame({ function: 'malloc' }),
      w.frame({ function: fn, file: 'server.c', line: 1 }),
      w.frame({ function: 'main' }),
    ]);
  const [leak, cache, temp] = [site('remember'), site('cache_put'), site('scratch')];
  const events: { t: number; address: number; size?: number; stack?: number }[] = [];
  let next = 0x1000;
  const alloc = (t: number, size: number, stack: number, freeAt: number): void => {
    const address = (next += 0x100);
    events.push({ t, address, size, stack });
    if (freeAt !== Infinity) events.push({ t: freeAt, address });
  };
  const heldAcross = new Set(stalls.map(([from]) => Math.floor(from * 10) - 1));
  for (let r = 0; r < 20_000; r++) {
    const ms = r / 10;
    if (r % 10 === 0) alloc(wall(ms), 256, leak, Infinity);
    // the entry evicted when this one comes in dies when the 3,000th later request comes
    alloc(wall(ms), 128, cache, r + 3000 < 20_000 ? wall((r + 3000) / 10) : Infinity);
    alloc(wall(ms), 512, temp, heldAcross.has(r) ? wall(ms + 0.2) : wall(ms + 2));
  }
  events.sort((a, b) => a.t - b.t || (a.size !== undefined ? -1 : 1));
  for (const e of events) e.size !== undefined ? w.alloc(e.t, e.address, e.size, e.stack!, 1) : w.free(e.t, e.address);
  w.finish(wall(2000));
  w.close();
  return diagnose(loadSync(file));
}

const verdictOf = (d: Diagnosis, fn: string): string =>
  d.groups.find((g) => g.frames[0]?.function === fn)?.verdict ?? 'none';

for (const [name, stalls] of [
  ['no stall', []],
  ['a stall of half the run early in it', [[300, 1000]]],
  ['a stall as long as the run in its later half', [[1500, 2000]]],
  ['a stall just before the work ends', [[1960, 400]]],
  ['many short stalls', Array.from({ length: 30 }, (_, k): Stall => [50 + k * 60, 40])],
] as [string, Stall[]][]) {
  test(`verdicts measure growth against work done: the same with ${name}`, () => {
    const d = program(name.replace(/ /g, '-'), stalls);
    assert.equal(verdictOf(d, 'remember'), 'leak', name);
    assert.equal(verdictOf(d, 'cache_put'), 'bounded', name);
    // a temporary held across a stall is no survivor
    assert.equal(verdictOf(d, 'scratch'), 'temporary', name);
    assert.equal(d.groups[0].frames[0].function, 'remember');
    // growth is still reported per second of the wall clock
    const rate = d.groups[0].growthBytesPerSecond;
    const wallSeconds = d.runtimeSeconds;
    const expected = (2000 * 256) / wallSeconds;
    assert.ok(Math.abs(rate - expected) / expected < 0.25, `${rate} B/s, about ${expected} expected`);
  });
}

test('the work clock stands still while nothing is allocated, and maps back to the earliest wall instant', () => {
  // 100 allocations in the first 10 ms, none for 80 ms, 100 in the last 10 ms
  const count = 200;
  const allocTime = Float64Array.from({ length: count }, (_, i) => (i < 100 ? i * 0.1 : 90 + (i - 100) * 0.1) * MS);
  const clock = workClock(
    {
      columns: { count, allocTime, weight: null } as never,
      header: { recorder: 'native' } as never,
      series: new Map(),
    },
    100 * MS,
  );
  assert.ok(Math.abs(clock.at(10 * MS) - 50 * MS) < 1 * MS, `${clock.at(10 * MS)}`);
  assert.equal(clock.at(50 * MS), clock.at(80 * MS), 'no work while stalled');
  assert.ok(Math.abs(clock.at(95 * MS) - 75 * MS) < 1 * MS, `${clock.at(95 * MS)}`);
  assert.equal(clock.at(100 * MS), 100 * MS);
  for (const work of [0, 10, 37.5, 50, 62.5, 99].map((x) => x * MS))
    assert.ok(Math.abs(clock.at(clock.wallAt(work)) - work) < 1e-3 * MS, `${work}`);
  assert.ok(clock.wallAt(50 * MS) <= 10.1 * MS, `the stall's start, not its end: ${clock.wallAt(50 * MS)}`);
  // too few allocations to tell a pace: the wall clock
  assert.equal(
    workClock(
      {
        columns: { count: 10, allocTime: allocTime.subarray(0, 10), weight: null } as never,
        header: { recorder: 'native' } as never,
        series: new Map(),
      },
      100 * MS,
    ),
    WALL_CLOCK,
  );
});

test("a sampled recording runs on the program's CPU time, or on the wall clock without it", () => {
  const count = 100;
  const columns = {
    count,
    allocTime: Float64Array.from({ length: count }, (_, i) => i * 0.1 * MS),
    weight: null,
  } as never;
  const header = { recorder: 'node', options: { samplingInterval: 65536 } } as never;
  assert.equal(workClock({ columns, header, series: new Map() }, 100 * MS), WALL_CLOCK);
  assert.notEqual(
    workClock({ columns, header: { recorder: 'native' } as never, series: new Map() }, 100 * MS),
    WALL_CLOCK,
  );
  // a reading every 5 ms: busy for 40 ms, descheduled for 40 ms, busy again until 95 ms
  const time = Float64Array.from({ length: 19 }, (_, i) => (i + 1) * 5 * MS);
  const value = time.map((t) => (t <= 40 * MS ? t : t <= 80 * MS ? 40 * MS : t - 40 * MS));
  const clock = workClock({ columns, header, series: new Map([['leakhound.cpu', { time, value }]]) }, 100 * MS);
  assert.equal(clock.at(50 * MS), clock.at(80 * MS), 'no work while descheduled');
  // 55 ms of CPU by the last reading, at 95 ms; the last 5 ms at the run's average pace
  const cpuAtEnd = (55 * 100) / 95;
  assert.ok(Math.abs(clock.at(40 * MS) - (40 / cpuAtEnd) * 100 * MS) < 1e-6 * MS, `${clock.at(40 * MS)}`);
  assert.equal(clock.at(100 * MS), 100 * MS);
  assert.ok(Math.abs(clock.wallAt(clock.at(40 * MS)) - 40 * MS) < 1e-6 * MS, "the stall's start, not its end");
  for (const work of [0, 10, 50, 66.7, 90].map((x) => x * MS))
    assert.ok(Math.abs(clock.at(clock.wallAt(work)) - work) < 1e-3 * MS, `${work}`);
});
