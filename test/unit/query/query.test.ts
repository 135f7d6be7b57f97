import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { load } from '../../../src/index';
import { LhpWriter } from '../../../src/format/writer';
import { Backtrace } from '../../../src/profile/backtrace';
import { loadSync } from '../../../src/api/load';
import { Profile } from '../../../src/api/profile';
import { AllocationList } from '../../../src/query/allocation-list';
import { AllocationGroup } from '../../../src/query/group-list';
import { simulate } from '../../../src/simulate/simulate';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const s = 1e9;

/*
 * A hand-made recording, 10 s long. Column index = order of the alloc/realloc records.
 *
 *  idx  alloc   free    size  stack                        thread
 *   0   1.0     2.0      100  S0 foo_alloc via xmalloc     main (100)
 *   1   1.5     never    200  S1 bar_alloc                 main
 *   2   2.0     3.0       50  S2 grow_buf (realloc 0→C)    worker-1 (200)
 *   3   3.0     4.0       80  S2 (realloc C→D)             worker-1
 *   4   4.0     9.9      120  S2 (realloc D→E)             worker-1
 *   5   5.0     9.5      300  S3 foo_alloc, direct malloc  worker-1
 *   6   6.0     7.07      10  S0                           main
 *   7   7.0     never   1000  S1                           main
 *   8   8.05    8.2       40  S3                           worker-2 (201)
 *
 * 8.05 * 1e9, 8.2 * 1e9 and 1.07 * 1e9 (the lifetime of 6) are not whole numbers in
 * floating point: they test that seconds meet the nanosecond columns exactly.
 */
function handMade(): Profile {
  const file = path.join(dir, 'hand-made.lhp');
  const w = LhpWriter.create(file, { recorder: 'test' });
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const fr = (fn: string, file?: string, line?: number, module = '/usr/bin/app') =>
    w.frame({ function: fn, file, line, module });
  const malloc = fr('malloc', undefined, undefined, libc);
  const realloc = fr('realloc', undefined, undefined, libc);
  const xmalloc = fr('xmalloc', 'src/xmalloc.c', 14);
  const foo = fr('foo_alloc', 'src/foo.c', 10);
  const bar = fr('bar_alloc', 'src/bar.c', 20);
  const grow = fr('grow_buf', 'src/buf.c', 30);
  const loop = fr('worker_loop', 'src/worker.c', 5);
  const main = fr('main', 'src/main.c', 12);
  const mainOuter = [main, fr('__libc_start_main', undefined, undefined, libc), fr('_start')];
  const threadOuter = [loop, fr('start_thread', undefined, undefined, libc), fr('clone3', undefined, undefined, libc)];
  const S0 = w.stack([malloc, xmalloc, foo, ...mainOuter]);
  const S1 = w.stack([malloc, bar, ...mainOuter]);
  const S2 = w.stack([realloc, grow, ...threadOuter]);
  const S3 = w.stack([malloc, foo, ...threadOuter]);
  assert.deepEqual([S0, S1, S2, S3], [0, 1, 2, 3]);
  w.thread(100, 'main');
  w.thread(200, 'worker-1');
  w.thread(201, 'worker-2');

  w.alloc(1.0 * s, 0xa0, 100, S0, 100);
  w.alloc(1.5 * s, 0xb0, 200, S1, 100);
  w.free(2.0 * s, 0xa0);
  w.realloc(2.0 * s, 0, 0xc0, 50, S2, 200);
  w.realloc(3.0 * s, 0xc0, 0xd0, 80, S2, 200);
  w.realloc(4.0 * s, 0xd0, 0xe0, 120, S2, 200);
  w.alloc(5.0 * s, 0xf0, 300, S3, 200);
  w.alloc(6.0 * s, 0x100, 10, S0, 100);
  w.alloc(7.0 * s, 0x110, 1000, S1, 100);
  w.free(7_070_000_000, 0x100);
  w.alloc(8_050_000_000, 0x120, 40, S3, 201);
  w.free(8_200_000_000, 0x120);
  w.free(9.5 * s, 0xf0);
  w.free(9.9 * s, 0xe0);
  w.finish(10 * s);
  w.close();
  return loadSync(file);
}

const p = handMade();
const all = p.allocations();
const ids = (list: AllocationList | AllocationGroup): number[] =>
  Array.from(list instanceof AllocationGroup ? list.allocations() : list, (a) => a.index);
/** The function that allocated: the innermost frame once allocator frames are stripped. */
const fn = (x: { backtrace(): Backtrace }): string => x.backtrace().strip().frames[0]?.function ?? '';

test('the hand-made profile loads as planned', () => {
  assert.equal(p.runtime, 10);
  assert.equal(all.len(), 9);
  assert.equal(all.size(), 100 + 200 + 50 + 80 + 120 + 300 + 10 + 1000 + 40);
  assert.deepEqual(ids(all), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test('onlyNeverFreed / onlyTemporary split the list; onlyLeaked is its bytehound alias', () => {
  assert.deepEqual(ids(all.onlyNeverFreed()), [1, 7]);
  assert.equal(all.onlyNeverFreed().size(), 1200);
  assert.deepEqual(ids(all.onlyLeaked()), ids(all.onlyNeverFreed()));
  assert.deepEqual(ids(all.onlyTemporary()), [0, 2, 3, 4, 5, 6, 8]);
});

test('onlyMatchingBacktraces / onlyNotMatchingBacktraces take a list, a group, a group list or stack ids', () => {
  // a list: the one allocation over 500 bytes comes from S1
  assert.deepEqual(ids(all.onlyMatchingBacktraces(all.onlyLargerThan(500))), [1, 7]);
  assert.deepEqual(ids(all.onlyNotMatchingBacktraces(all.onlyLargerThan(500))), [0, 2, 3, 4, 5, 6, 8]);
  // a group: S2, the realloc chain
  const s2 = all.groupByBacktrace().get(2);
  assert.equal(s2.stackId, 2);
  assert.deepEqual(ids(all.onlyMatchingBacktraces(s2)), [2, 3, 4]);
  assert.deepEqual(ids(all.onlyNotMatchingBacktraces(s2)), [0, 1, 5, 6, 7, 8]);
  // a group list: the leaked groups, then everything else (the case study's `remaining`)
  const leakedGroups = all.onlyLeaked().groupByBacktrace();
  assert.deepEqual(ids(all.onlyMatchingBacktraces(leakedGroups)), [1, 7]);
  assert.deepEqual(ids(all.onlyNotMatchingBacktraces(leakedGroups)), [0, 2, 3, 4, 5, 6, 8]);
  // stack ids, as an array or a Set
  assert.deepEqual(ids(all.onlyMatchingBacktraces([0, 3])), [0, 5, 6, 8]);
  assert.deepEqual(ids(all.onlyNotMatchingBacktraces(new Set([0, 3]))), [1, 2, 3, 4, 7]);
  // nothing to match
  assert.equal(all.onlyMatchingBacktraces([]).len(), 0);
  assert.equal(all.onlyNotMatchingBacktraces(all.onlyLargerThan(5000)).len(), 9);
});

test('time filters: leaked-or-deallocated-after, deallocated after/before', () => {
  assert.deepEqual(ids(all.onlyLeakedOrDeallocatedAfter(9.5)), [1, 4, 5, 7]); // freed at 9.5 counts
  assert.deepEqual(ids(all.onlyLeakedOrDeallocatedAfter(9.6)), [1, 4, 7]);
  assert.deepEqual(ids(all.onlyDeallocatedAfterAtLeast(9.5)), [4, 5]); // never the leaked ones
  assert.deepEqual(ids(all.onlyDeallocatedAfterAtLeast(2)), [0, 2, 3, 4, 5, 6, 8]);
  assert.deepEqual(ids(all.onlyDeallocatedBefore(4)), [0, 2]); // freed at 4 is not before 4
  assert.deepEqual(ids(all.onlyDeallocatedBefore(8.2)), [0, 2, 3, 6]);
  assert.deepEqual(ids(all.onlyDeallocatedAfterAtLeast(8.2)), [4, 5, 8]);
});

test('lifetime filters: leaked allocations live until the end of the run', () => {
  // lifetimes: 1, 8.5, 1, 1, 5.9, 4.5, 1.07, 3, 0.15
  assert.deepEqual(ids(all.onlyAliveForAtLeast(1)), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(ids(all.onlyAliveForAtLeast(1.07)), [1, 4, 5, 6, 7]);
  assert.deepEqual(ids(all.onlyAliveForAtLeast(4)), [1, 4, 5]);
  assert.deepEqual(ids(all.onlyAliveForAtLeast(8.5)), [1]);
  assert.deepEqual(ids(all.onlyAliveForAtMost(1)), [0, 2, 3, 8]);
  assert.deepEqual(ids(all.onlyAliveForAtMost(1.07)), [0, 2, 3, 6, 8]);
  assert.deepEqual(ids(all.onlyAliveForAtMost(0.15)), [8]);
});

test('onlyAliveAt: allocated at or before the instant, freed after it', () => {
  assert.deepEqual(ids(all.onlyAliveAt(3)), [1, 3]); // 2 is freed at 3, 3 allocated at 3
  assert.deepEqual(ids(all.onlyAliveAt(7)), [1, 4, 5, 6, 7]);
  assert.deepEqual(ids(all.onlyAliveAt(8.1)), [1, 4, 5, 7, 8]);
  assert.deepEqual(ids(all.onlyAliveAt(8.2)), [1, 4, 5, 7]); // 8 is freed at 8.2
  assert.deepEqual(ids(all.onlyAliveAt(9.6)), [1, 4, 7]);
  assert.deepEqual(ids(all.onlyAliveAt(0.5)), []);
});

test('onlyAllocatedAfter (inclusive) / onlyAllocatedBefore (exclusive)', () => {
  assert.deepEqual(ids(all.onlyAllocatedAfter(5)), [5, 6, 7, 8]);
  assert.deepEqual(ids(all.onlyAllocatedBefore(5)), [0, 1, 2, 3, 4]);
  assert.deepEqual(ids(all.onlyAllocatedAfter(8.05)), [8]);
  assert.deepEqual(ids(all.onlyAllocatedBefore(8.05)), [0, 1, 2, 3, 4, 5, 6, 7]);
  // an allocation's own time, read back in seconds, selects it
  for (const a of all) assert.ok(ids(all.onlyAllocatedAfter(a.allocatedAt)).includes(a.index), `allocation ${a.index}`);
});

test('onlyLargerThan / onlySmallerThan are strict', () => {
  assert.deepEqual(ids(all.onlyLargerThan(100)), [1, 4, 5, 7]);
  assert.deepEqual(ids(all.onlySmallerThan(100)), [2, 3, 6, 8]);
  assert.deepEqual(ids(all.onlyLargerThan(99).onlySmallerThan(101)), [0]);
});

test('onlyPassingThroughFunction / onlyNotPassingThroughFunction: regex or regex source string', () => {
  assert.deepEqual(ids(all.onlyPassingThroughFunction(/^foo_alloc$/)), [0, 5, 6, 8]);
  assert.deepEqual(ids(all.onlyPassingThroughFunction('grow')), [2, 3, 4]);
  assert.deepEqual(ids(all.onlyPassingThroughFunction('^(bar|grow)_')), [1, 2, 3, 4, 7]);
  // allocator and start-up frames are searched too
  assert.deepEqual(ids(all.onlyPassingThroughFunction(/^realloc$/)), [2, 3, 4]);
  assert.deepEqual(ids(all.onlyPassingThroughFunction('^_start$')), [0, 1, 6, 7]);
  assert.deepEqual(ids(all.onlyNotPassingThroughFunction('foo_alloc')), [1, 2, 3, 4, 7]);
  assert.deepEqual(ids(all.onlyNotPassingThroughFunction(/^main$/)), [2, 3, 4, 5, 8]);
  assert.equal(all.onlyPassingThroughFunction('no_such_function').len(), 0);
});

test('a global regex gives the same answer for every stack (no lastIndex carried over)', () => {
  assert.deepEqual(ids(all.onlyPassingThroughFunction(/^malloc$/g)), [0, 1, 5, 6, 7, 8]);
  assert.deepEqual(ids(all.onlyNotPassingThroughFunction(/^malloc$/g)), [2, 3, 4]);
  assert.deepEqual(ids(all.onlyFromThread(/^worker/g)), [2, 3, 4, 5, 8]);
});

test('onlyPassingThroughSource matches frame files', () => {
  assert.deepEqual(ids(all.onlyPassingThroughSource(/buf\.c$/)), [2, 3, 4]);
  assert.deepEqual(ids(all.onlyPassingThroughSource('src/foo\\.c')), [0, 5, 6, 8]);
  assert.deepEqual(ids(all.onlyPassingThroughSource('xmalloc')), [0, 6]);
});

test('onlyFromThread: by tid, exact name, or name regex', () => {
  assert.deepEqual(ids(all.onlyFromThread(100)), [0, 1, 6, 7]);
  assert.deepEqual(ids(all.onlyFromThread(201)), [8]);
  assert.deepEqual(ids(all.onlyFromThread('worker-1')), [2, 3, 4, 5]);
  assert.deepEqual(ids(all.onlyFromThread('worker')), []); // a string is the exact name
  assert.deepEqual(ids(all.onlyFromThread(/^worker-\d$/)), [2, 3, 4, 5, 8]);
  assert.deepEqual(ids(all.onlyFromThread(999)), []);
});

test('onlyReallocated and the realloc chain links', () => {
  assert.deepEqual(ids(all.onlyReallocated()), [2, 3, 4]);
  const [a2, a3, a4] = [all.get(2), all.get(3), all.get(4)];
  assert.equal(a2.reallocatedFrom, null);
  assert.equal(a2.reallocatedInto?.index, 3);
  assert.equal(a3.reallocatedFrom?.index, 2);
  assert.equal(a3.reallocatedInto?.index, 4);
  assert.equal(a4.reallocatedFrom?.index, 3);
  assert.equal(a4.reallocatedInto, null);
  assert.equal(all.get(0).reallocatedFrom, null);
  assert.equal(all.get(0).reallocatedInto, null);
});

test('Allocation fields, in seconds', () => {
  const a3 = all.get(3);
  assert.equal(a3.size, 80);
  assert.equal(a3.weight, 80);
  assert.equal(a3.allocatedAt, 3);
  assert.equal(a3.deallocatedAt, 4);
  assert.equal(a3.lifetime, 1);
  assert.equal(a3.leaked, false);
  assert.equal(a3.stackId, 2);
  assert.deepEqual(a3.thread, { tid: 200, name: 'worker-1' });
  assert.deepEqual(
    a3.backtrace().frames.map((f) => f.function),
    ['realloc', 'grow_buf', 'worker_loop', 'start_thread', 'clone3'],
  );

  const a1 = all.get(1);
  assert.equal(a1.allocatedAt, 1.5);
  assert.equal(a1.deallocatedAt, null);
  assert.equal(a1.leaked, true);
  assert.equal(a1.lifetime, 8.5); // until the end of the run
  assert.deepEqual(a1.thread, { tid: 100, name: 'main' });

  const a8 = all.get(8);
  assert.equal(a8.allocatedAt, 8.05);
  assert.equal(a8.deallocatedAt, 8.2);
  assert.deepEqual(a8.thread, { tid: 201, name: 'worker-2' });
});

test('Backtrace.strip() drops allocator frames inside and start-up frames outside; toString() prints main first', () => {
  const bt = all.get(0).backtrace();
  assert.deepEqual(
    bt.frames.map((f) => f.function),
    ['malloc', 'xmalloc', 'foo_alloc', 'main', '__libc_start_main', '_start'],
  );
  const stripped = bt.strip();
  assert.deepEqual(
    stripped.frames.map((f) => f.function),
    ['foo_alloc', 'main'],
  );
  assert.deepEqual(
    bt.frames.map((f) => f.function),
    ['malloc', 'xmalloc', 'foo_alloc', 'main', '__libc_start_main', '_start'],
  );
  assert.equal(stripped.toString(), '#00 main (src/main.c:12)\n#01 foo_alloc (src/foo.c:10)');
  assert.equal(
    bt.toString(),
    [
      '#00 _start [/usr/bin/app]',
      '#01 __libc_start_main [/lib/x86_64-linux-gnu/libc.so.6]',
      '#02 main (src/main.c:12)',
      '#03 foo_alloc (src/foo.c:10)',
      '#04 xmalloc (src/xmalloc.c:14)',
      '#05 malloc [/lib/x86_64-linux-gnu/libc.so.6]',
    ].join('\n'),
  );
  // thread start-up frames go too; a program frame right above malloc stays
  assert.deepEqual(
    all
      .get(5)
      .backtrace()
      .strip()
      .frames.map((f) => f.function),
    ['foo_alloc', 'worker_loop'],
  );
  assert.deepEqual(
    all
      .get(2)
      .backtrace()
      .strip()
      .frames.map((f) => f.function),
    ['grow_buf', 'worker_loop'],
  );
  assert.equal(fn(all.get(7)), 'bar_alloc');
});

test('groupByBacktrace: one group per stack, in order of first allocation', () => {
  const groups = all.groupByBacktrace();
  assert.equal(groups.len(), 4);
  assert.deepEqual(
    [...groups].map((g) => g.stackId),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    [...groups].map((g) => ids(g)),
    [
      [0, 6],
      [1, 7],
      [2, 3, 4],
      [5, 8],
    ],
  );
  assert.deepEqual(
    [...groups].map((g) => g.len()),
    [2, 2, 3, 2],
  );
  assert.deepEqual(
    [...groups].map((g) => g.size()),
    [110, 1200, 250, 340],
  );
  assert.deepEqual([...groups].map(fn), ['foo_alloc', 'bar_alloc', 'grow_buf', 'foo_alloc']);
  assert.deepEqual([...groups.stackIds()], [0, 1, 2, 3]);
  // a group's allocations are a list like any other
  assert.deepEqual(ids(groups.get(2).allocations().onlyAllocatedAfter(3)), [3, 4]);
  // grouping a filtered list only groups what passed
  assert.deepEqual(
    [...all.onlyTemporary().groupByBacktrace()].map((g) => [g.stackId, ...ids(g)]),
    [
      [0, 0, 6],
      [2, 2, 3, 4],
      [3, 5, 8],
    ],
  );
  assert.equal(all.onlyAliveAt(0.5).groupByBacktrace().len(), 0);
  assert.throws(() => groups.get(4), RangeError);
  assert.throws(() => groups.get(0.5), RangeError);
});

test('group lists: sortBySize, sortByCount, take, filter, ungroup', () => {
  const groups = all.groupByBacktrace();
  assert.deepEqual(
    [...groups.sortBySize()].map((g) => g.stackId),
    [1, 3, 2, 0],
  );
  // ties (two allocations each) in stack id order
  assert.deepEqual(
    [...groups.sortByCount()].map((g) => g.stackId),
    [2, 0, 1, 3],
  );
  assert.deepEqual(
    [...groups.sortBySize().take(2)].map((g) => g.stackId),
    [1, 3],
  );
  assert.equal(groups.take(10).len(), 4);
  assert.deepEqual(
    [...groups.filter((g) => g.len() === 2)].map((g) => g.stackId),
    [0, 1, 3],
  );
  // ungroup: back to one list, in allocation order, ready for more verbs
  const top2 = groups.sortBySize().take(2).ungroup();
  assert.deepEqual(ids(top2), [1, 5, 7, 8]);
  assert.deepEqual(ids(top2.onlyTemporary()), [5, 8]);
  assert.deepEqual(ids(groups.ungroup()), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // sorting returns a new list
  assert.deepEqual(
    [...groups].map((g) => g.stackId),
    [0, 1, 2, 3],
  );
});

test('len, get, iteration, size', () => {
  const temp = all.onlyTemporary();
  assert.equal(temp.len(), 7);
  assert.equal(temp.get(0).index, 0);
  assert.equal(temp.get(6).index, 8);
  assert.throws(() => temp.get(7), RangeError);
  assert.throws(() => temp.get(-1), RangeError);
  assert.throws(() => temp.get(1.5), RangeError);
  assert.deepEqual(
    [...temp].map((a) => a.size),
    [100, 50, 80, 120, 300, 10, 40],
  );
  assert.equal(temp.size(), 700);
  assert.deepEqual([...temp.stackIds()].sort(), [0, 2, 3]);
  assert.equal(all.onlyAliveAt(0.5).size(), 0);
});

test('lists are lazy: nothing is evaluated until asked, and only once', () => {
  let calls = 0;
  const counted = all.where(() => ++calls > 0);
  const narrowed = counted.onlyLeaked();
  assert.equal(calls, 0);
  assert.equal(narrowed.len(), 2);
  assert.equal(calls, 9);
  assert.equal(narrowed.len(), 2);
  assert.deepEqual(ids(narrowed), [1, 7]);
  assert.equal(calls, 9);
  // a list built on an evaluated one only looks at what that one kept
  let more = 0;
  assert.equal(narrowed.where(() => ++more > 0).len(), 2);
  assert.equal(more, 2);
});

test('lists are immutable: a verb returns a new list and leaves the original as it was', () => {
  const base = all.onlyTemporary();
  const before = ids(base);
  const big = base.onlyLargerThan(100);
  const worker = base.onlyFromThread('worker-1');
  assert.notEqual(big, base);
  assert.deepEqual(ids(big), [4, 5]);
  assert.deepEqual(ids(worker), [2, 3, 4, 5]);
  assert.deepEqual(ids(base), before);
  assert.equal(all.len(), 9);
  // the same after the base was evaluated first
  const evaluated = all.onlyTemporary();
  evaluated.len();
  assert.deepEqual(ids(evaluated.onlyLargerThan(100)), [4, 5]);
  assert.deepEqual(ids(evaluated), before);
});

test('a chain of filters equals the same filters applied one evaluated step at a time', () => {
  const chained = all
    .onlyTemporary()
    .onlyLargerThan(50)
    .onlyFromThread(/worker/)
    .onlyAliveForAtLeast(1);
  let step = all.onlyTemporary();
  step.len();
  step = step.onlyLargerThan(50);
  step.len();
  step = step.onlyFromThread(/worker/);
  step.len();
  step = step.onlyAliveForAtLeast(1);
  assert.deepEqual(ids(chained), [3, 4, 5]);
  assert.deepEqual(ids(step), ids(chained));
  // and filter order does not matter
  assert.deepEqual(
    ids(
      all
        .onlyAliveForAtLeast(1)
        .onlyFromThread(/worker/)
        .onlyLargerThan(50)
        .onlyTemporary(),
    ),
    [3, 4, 5],
  );
});

test('graph: live bytes and count of each series at exact instants', () => {
  const leaked = all.onlyLeaked();
  const base = p.graph().add('Leaked', leaked);
  const g = base.add(all.groupByBacktrace().sortBySize());
  assert.equal(base.series().length, 1); // add returns a new graph
  const series = g.series(11); // 0, 1, …, 10 s
  assert.deepEqual(
    series.map((x) => x.label),
    // each group named by its site, the two of foo_alloc told apart by their callers
    [
      'Leaked',
      'bar_alloc (bar.c:20)',
      'foo_alloc (foo.c:10) < worker_loop',
      'grow_buf (buf.c:30)',
      'foo_alloc (foo.c:10) < main',
    ],
  );
  assert.deepEqual(series[0].time, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(series[0].liveBytes, [0, 0, 200, 200, 200, 200, 200, 1200, 1200, 1200, 1200]);
  assert.deepEqual(series[0].liveCount, [0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(series[1].liveBytes, series[0].liveBytes); // S1 is the leaked group
  // S3: 300 bytes from 5 s to 9.5 s (allocated at 5: counted at 5)
  assert.deepEqual(series[2].liveBytes, [0, 0, 0, 0, 0, 300, 300, 300, 300, 300, 0]);
  // S2, the realloc chain: freed at 3 is not counted at 3, allocated at 3 is
  assert.deepEqual(series[3].liveBytes, [0, 0, 50, 80, 120, 120, 120, 120, 120, 120, 0]);
  assert.deepEqual(series[3].liveCount, [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  // S0: 1–2 s and 6–7.07 s
  assert.deepEqual(series[4].liveBytes, [0, 100, 0, 0, 0, 0, 10, 10, 0, 0, 0]);

  // every 50 ms: the 40 bytes of S3 live from 8.05 s to 8.2 s
  const fine = p.graph().add('S3', all.groupByBacktrace().get(3)).series(201);
  const at = (t: number) => fine[0].liveBytes[Math.round(t * 20)];
  assert.equal(fine[0].label, 'S3');
  assert.equal(fine[0].time[161], 8.05);
  assert.deepEqual([at(8), at(8.05), at(8.15), at(8.2), at(9.45), at(9.5)], [300, 340, 340, 300, 300, 0]);
});

test('graph: an unlabelled list gets a numbered label', () => {
  const series = p.graph().add(all).add('Temporary', all.onlyTemporary()).add(all.onlyLeaked()).series(3);
  assert.deepEqual(
    series.map((x) => x.label),
    ['Series 1', 'Temporary', 'Series 3'],
  );
  assert.deepEqual(series[0].time, [0, 5, 10]);
  assert.deepEqual(series[0].liveBytes, [0, 200 + 120 + 300, 1200]);
});

// live-series.ts computes a point's slot as ceil(t / step), which rounding can put one
// past the point whose time equals t: here step = 10 s / 30, t = 5 s lands on point 16.
test('graph: an allocation made exactly at a sample instant counts there, whatever the step', () => {
  const series = p.graph().add(all.groupByBacktrace().get(3)).series(31);
  assert.equal(series[0].time[15], 5);
  assert.equal(series[0].liveBytes[15], 300);
});

test('the bytehound case study, on the simulated demo server, reaches the same conclusions', async () => {
  const file = path.join(dir, 'case-study.lhp');
  simulate({ output: file, allocations: 100_000, seed: 1 });
  const data = await load(file);
  const runtime = data.runtime;
  const allocations = () => data.allocations();

  // Step two: the obvious leaks, by backtrace, biggest first.
  const groups = allocations().onlyLeaked().groupByBacktrace().sortBySize();
  const sizes = [...groups].map((g) => g.size());
  assert.deepEqual(
    sizes,
    [...sizes].sort((a, b) => b - a),
  );
  const byName = new Map([...groups].map((g) => [fn(g), g]));
  const analyze = (name: string) => {
    const group = byName.get(name);
    assert.ok(group, `a leaked group allocated by ${name}: ${[...byName.keys()]}`);
    const listAll = allocations().onlyMatchingBacktraces(group);
    assert.equal(fn(listAll.get(0)), name);
    return { total: listAll.len(), leaked: listAll.onlyLeaked().len(), listAll };
  };

  // A clear-cut leak: every allocation from it was leaked.
  const session = analyze('session_new');
  assert.ok(session.total > 1000);
  assert.equal(session.leaked, session.total);

  // A bounded one: only part leaked; the leaked part grows, but everything from it is flat.
  const cache = analyze('cache_insert');
  assert.ok(cache.leaked > 0 && cache.leaked < cache.total, `${cache.leaked}/${cache.total}`);
  const [leakedPart, everything] = data
    .graph()
    .add('Leaked', cache.listAll.onlyLeaked())
    .add('All', cache.listAll)
    .series(100);
  assert.ok(leakedPart.liveCount[50] < leakedPart.liveCount[99]);
  const secondHalf = everything.liveCount.slice(50);
  assert.equal(Math.min(...secondHalf), Math.max(...secondHalf));
  assert.equal(everything.liveCount[99], cache.leaked);

  // The tough one: a tiny fraction leaked among many temporaries.
  const rare = analyze('request_context_new');
  assert.ok(rare.total > 10_000 && rare.leaked > 0 && rare.leaked / rare.total < 0.005, `${rare.leaked}/${rare.total}`);

  // Freed at exit, so not among the leaked.
  assert.ok(!byName.has('connection_remember'));

  // Step three: allocations that lived until the end, outside the groups already seen.
  const remaining = allocations().onlyNotMatchingBacktraces(groups);
  assert.equal(remaining.onlyLeaked().len(), 0);
  const leakedUntilEnd = remaining.onlyLeakedOrDeallocatedAfter(runtime * 0.98).onlyAliveForAtLeast(runtime * 0.02);
  const untilEnd = leakedUntilEnd.groupByBacktrace().sortBySize();
  assert.equal(fn(untilEnd.get(0)), 'connection_remember');

  const listAll = allocations().onlyMatchingBacktraces(untilEnd.get(0));
  const listSelected = listAll.onlyDeallocatedAfterAtLeast(runtime * 0.98);
  assert.ok(listAll.len() > 100);
  assert.equal(listSelected.len(), listAll.len()); // "Deallocated after 98%": all of them
  assert.equal(listAll.onlyLeaked().len(), 0);

  // Nothing else lives until the end once that one is set aside.
  const rest = untilEnd.ungroup().onlyNotMatchingBacktraces(untilEnd.get(0)).groupByBacktrace();
  assert.equal(rest.len(), 0);

  // The growing buffer is a realloc chain of which only the last block is leaked.
  const log = allocations().onlyPassingThroughFunction('^log_append$');
  assert.ok(log.len() > 10);
  assert.equal(log.onlyReallocated().len(), log.len());
  assert.equal(log.onlyLeaked().len(), 1);
  assert.equal(log.onlyLeaked().get(0).reallocatedInto, null);
});
