import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { diagnose, Diagnosis } from '../../../src/diagnose/diagnose';
import { mannKendall, theilSen } from '../../../src/diagnose/stats';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { simulate } from '../../../src/simulate/simulate';
import { PATTERNS } from '../../../src/simulate/scenario';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();

function simulated(seed: number, allocations = 200_000): Diagnosis {
  const file = path.join(dir, `sim-${seed}-${allocations}.lhp`);
  simulate({ output: file, allocations, seed });
  return diagnose(loadSync(file));
}

/** The verdicts that claim no leak: neither `leak` nor `leak-freed-at-exit`. */
const NOT_A_LEAK: readonly string[] = ['temporary', 'bounded', 'unclear'];

const culprit = (d: Diagnosis, fn: string) => d.groups.find((g) => g.frames[0]?.function === fn);

for (const seed of [1, 2, 3]) {
  test(`simulate seed ${seed}: every pattern gets its verdict, real leaks ranked first`, () => {
    const d = simulated(seed);
    assert.equal(d.verdict, 'leak');
    for (const p of PATTERNS) {
      const g = culprit(d, p.culprit);
      assert.ok(g, `a group allocated by ${p.culprit}`);
      assert.equal(g.verdict, p.expected, `${p.name} (${p.culprit}): ${g.explanation}`);
    }
    const leakCount = PATTERNS.filter((p) => p.expected.startsWith('leak')).length;
    const top = d.groups.slice(0, leakCount).map((g) => g.verdict);
    assert.ok(
      top.every((v) => v === 'leak' || v === 'leak-freed-at-exit'),
      `first ${leakCount} groups are leaks: ${top}`,
    );
    // never-freed leaks rank above the one freed at exit
    assert.equal(d.groups[leakCount - 1].frames[0].function, 'connection_remember');
  });
}

test('a leak explains itself: rate, counts, file:line', () => {
  const d = simulated(1);
  const linear = culprit(d, 'session_new')!;
  assert.ok(linear.growthBytesPerSecond > 0);
  assert.ok(linear.growthBytesPer1kAllocations > 0);
  assert.equal(linear.leakedCount, linear.totalCount, 'every session leaks');
  assert.deepEqual(
    linear.frames.slice(0, 2).map((f) => `${f.function} ${f.file}:${f.line}`),
    ['session_new src/session.c:57', 'handle_login src/handlers/login.c:88'],
  );
  assert.match(linear.explanation, /grows at .*\/s/);
  assert.ok(linear.evidence.some((e) => /retained/.test(e)));
  const rare = culprit(d, 'request_context_new')!;
  // about 0.1 % of the requests leak their context
  assert.ok(
    rare.leakedCount / rare.totalCount < 0.002 && rare.leakedCount > 10,
    `${rare.leakedCount}/${rare.totalCount}`,
  );
  const atExit = culprit(d, 'connection_remember')!;
  assert.equal(atExit.leakedCount, 0);
  assert.ok(atExit.retainedCount > 100);
  assert.match(atExit.explanation, /freed only at exit/);
});

test('the growth rate matches the simulated leak rate', () => {
  const d = simulated(2);
  const linear = culprit(d, 'session_new')!;
  // one session of 200..300 bytes every 16 units of 60 µs on average: ~260 KB/s
  const expected = 250 / (16 * 60e-6);
  assert.ok(
    Math.abs(linear.growthBytesPerSecond - expected) / expected < 0.1,
    `${linear.growthBytesPerSecond} vs ${expected}`,
  );
});

/** Writes a profile whose allocations come from one call site; `plan` gives alloc/free times in ns. */
function oneSite(name: string, plan: (emit: (at: number, size: number, freeAt: number) => void) => void): Diagnosis {
  const file = path.join(dir, `${name}.lhp`);
  const w = LhpWriter.create(file, { recorder: 'test' });
  const stack = w.stack([
    w.frame({ function: 'malloc' }),
    w.frame({ function: name, file: 'x.c', line: 1 }),
    w.frame({ function: 'main' }),
  ]);
  const events: { t: number; kind: 'a' | 'f'; address: number; size: number }[] = [];
  let next = 0x1000;
  plan((at, size, freeAt) => {
    const address = (next += 64);
    events.push({ t: at, kind: 'a', address, size });
    if (freeAt !== Infinity) events.push({ t: freeAt, kind: 'f', address, size });
  });
  events.sort((a, b) => a.t - b.t || (a.kind === 'a' ? -1 : 1));
  for (const e of events) e.kind === 'a' ? w.alloc(e.t, e.address, e.size, stack, 1) : w.free(e.t, e.address);
  w.finish(events[events.length - 1].t);
  w.close();
  return diagnose(loadSync(file));
}

test('pure churn is no-leak', () => {
  const d = oneSite('churn', (emit) => {
    for (let i = 0; i < 20_000; i++) emit(i * 1000, 64 + (i % 7), i * 1000 + 500 + (i % 13) * 100);
  });
  assert.equal(d.verdict, 'no-leak');
  assert.equal(d.groups[0].verdict, 'temporary');
});

test('a GC-like sawtooth (grow, then free all, repeatedly) is not a leak', () => {
  const d = oneSite('sawtooth', (emit) => {
    for (let i = 0; i < 20_000; i++) emit(i * 1000, 128, (Math.floor(i / 1000) + 1) * 1000 * 1000 + 10);
  });
  assert.equal(d.verdict, 'no-leak');
  assert.ok(NOT_A_LEAK.includes(d.groups[0].verdict), `${d.groups[0].verdict}: ${d.groups[0].explanation}`);
});

test('memory allocated once at start-up and kept is bounded, not a leak', () => {
  const d = oneSite('startup', (emit) => {
    for (let i = 0; i < 50; i++) emit(i * 10, 4096, Infinity);
    for (let i = 0; i < 10_000; i++) emit(100_000 + i * 1000, 32, 100_000 + i * 1000 + 200);
  });
  assert.equal(d.groups[0].verdict, 'bounded');
  assert.equal(d.verdict, 'no-leak');
});

test('a linear leak never freed is a leak, at its rate', () => {
  const d = oneSite('linear', (emit) => {
    for (let i = 0; i < 5_000; i++) emit(i * 1e6, 100, Infinity);
  });
  assert.equal(d.verdict, 'leak');
  const g = d.groups[0];
  assert.equal(g.verdict, 'leak');
  assert.equal(g.leakedCount, 5_000);
  // 100 bytes a millisecond
  assert.ok(Math.abs(g.growthBytesPerSecond - 100_000) < 5_000, String(g.growthBytesPerSecond));
});

test('a leak freed in one sweep at exit is leak-freed-at-exit', () => {
  const end = 5_000 * 1e6;
  const d = oneSite('atexit', (emit) => {
    for (let i = 0; i < 5_000; i++) emit(i * 1e6, 100, end + 1e6 + i * 1000);
  });
  assert.equal(d.groups[0].verdict, 'leak-freed-at-exit');
  assert.equal(d.verdict, 'leak');
});

test('too short a run with a handful of survivors is unclear or bounded, never a confident leak', () => {
  const d = oneSite('short', (emit) => {
    emit(0, 100, Infinity);
    for (let i = 1; i < 200; i++) emit(i * 1000, 100, i * 1000 + 100);
  });
  assert.ok(['unclear', 'bounded'].includes(d.groups[0].verdict), `${d.groups[0].verdict}: ${d.groups[0].explanation}`);
  assert.equal(d.verdict, 'no-leak');
});

/**
 * A cache of about 80 objects of 64 KiB turning over for 4 s, whose level wanders
 * as the sampled level of a real cache does: 80, down to 72 at 2.5 s, up to 86 at
 * the end. `sampled`: written as the Node.js recorder writes, one record a sample.
 */
function wanderingCache(name: string, sampled: boolean): Diagnosis {
  const file = path.join(dir, `${name}.lhp`);
  const w = LhpWriter.create(
    file,
    sampled ? { recorder: 'node', options: { samplingInterval: 65536 } } : { recorder: 'test' },
  );
  const stack = w.stack([
    w.frame({ function: 'cachePut', file: '/srv/cache.js', line: 9 }),
    w.frame({ function: 'main', file: '/srv/app.js', line: 1 }),
  ]);
  const level = (s: number): number => (s < 2 ? 80 : s < 2.5 ? 80 - 16 * (s - 2) : 72 + (14 * (s - 2.5)) / 1.5);
  const live: number[] = [];
  let id = 0;
  for (let step = 0; step < 400; step++) {
    const t = step * 1e7;
    for (let k = 0; k < 2 || live.length < level(step / 100); k++) {
      w.alloc(t, ++id, 65536, stack, 0);
      live.push(id);
    }
    while (live.length > Math.round(level(step / 100))) w.free(t + 1, live.shift()!);
  }
  w.finish(400 * 1e7);
  w.close();
  return diagnose(loadSync(file));
}

test("a sampled cache's level wandering by less than sampling noise is bounded; recorded in full, the same rise is unclear", () => {
  const sampled = wanderingCache('wander-sampled', true);
  assert.equal(sampled.groups[0].verdict, 'bounded', sampled.groups[0].explanation);
  const full = wanderingCache('wander-full', false);
  assert.equal(full.groups[0].verdict, 'unclear', full.groups[0].explanation);
  assert.match(full.groups[0].explanation, /later half only/);
});

test('Theil–Sen ignores outliers; Mann–Kendall separates trends from noise', () => {
  const x = Array.from({ length: 20 }, (_, i) => i);
  const y = x.map((v) => 3 * v + 1);
  y[5] = 1000;
  y[12] = -500;
  assert.equal(theilSen(x, y), 3);
  assert.ok(mannKendall(x.map((v) => v * 2)) > 5);
  assert.ok(mannKendall(x.map((v) => -v)) < -5);
  assert.equal(mannKendall(x.map(() => 7)), 0);
  const alternating = x.map((v) => (v % 2 ? 10 : 0));
  assert.ok(Math.abs(mannKendall(alternating)) < 1);
});

test('stacks that differ only in allocator or builtin frames are one allocation site, one group', () => {
  const file = path.join(dir, 'sites.lhp');
  const w = LhpWriter.create(file, { recorder: 'node' });
  const remember = w.frame({ function: 'remember', file: '/srv/app.js', line: 3 });
  const main = w.frame({ function: 'main', file: '/srv/app.js', line: 1 });
  const push = w.frame({ function: 'push', module: 'v8:builtin' });
  const malloc = w.frame({ function: 'malloc' });
  const stacks = [w.stack([remember, main]), w.stack([push, remember, main]), w.stack([malloc, push, remember, main])];
  for (let i = 0; i < 300; i++) w.alloc(i * 1e7, i + 1, 1000, stacks[i % 3], 0);
  w.finish(300 * 1e7);
  w.close();
  const d = diagnose(loadSync(file));
  assert.equal(d.groups.length, 1, d.groups.map((g) => g.frames.map((f) => f.function).join('<')).join(', '));
  assert.equal(d.groups[0].totalCount, 300);
  assert.equal(d.groups[0].verdict, 'leak');
  assert.deepEqual(
    d.groups[0].frames.map((f) => f.function),
    ['remember', 'main'],
  );
});

test('a sampled profile of a killed process is judged up to its last poll, not its last memory sample', () => {
  const file = path.join(dir, 'killed-between-polls.lhp');
  const w = LhpWriter.create(file, { recorder: 'node' });
  const stack = w.stack([w.frame({ function: 'remember', file: '/srv/app.js', line: 3 })]);
  let id = 1;
  for (let poll = 1; poll <= 20; poll++) {
    const at = poll * 5e8;
    for (let k = 0; k < 10; k++) w.alloc(at - 5e8 + k * 5e7, id++, 65536, stack, 0);
    w.sample(at, 'leakhound.poll', 1e7);
  }
  // the process ran on for 10 s more (memory samples), then was killed before its next poll
  for (let t = 10.1e9; t <= 20e9; t += 1e8) w.sample(t, 'heap.used', 1e8);
  w.close();
  const d = diagnose(loadSync(file));
  assert.equal(d.groups[0].verdict, 'leak', d.groups[0].explanation);
  assert.equal(d.runtimeSeconds, 10);
});
