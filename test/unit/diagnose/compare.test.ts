/** `compare`'s rule: sites matched by function and file, and what counts as a change (docs/COMPARE.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ComparableGroup,
  ComparedRecording,
  compareRecordings,
  Outcome,
  SiteComparison,
} from '../../../src/diagnose/compare/compare';
import { siteFrames, siteKey } from '../../../src/diagnose/compare/site-key';

type Frame = ComparableGroup['frames'][number];

function frame(fn: string, file: string, line = 10, address = 0): Frame {
  return { function: fn, file, line, module: '/app/server', address };
}

const SESSION = [
  frame('session_new', '/src/session.c'),
  frame('handle_login', '/src/login.c'),
  frame('main', '/src/main.c'),
];
const CACHE = [frame('cache_insert', '/src/cache.c'), frame('lookup', '/src/cache.c'), frame('main', '/src/main.c')];

/** A site group: a leak of 100 KiB/s by default, exact (not sampled). */
function group(frames: Frame[], fields: Partial<ComparableGroup> = {}): ComparableGroup {
  return {
    frames,
    verdict: 'leak',
    confidence: 1,
    growthBytesPerSecond: 102400,
    growthBytesPer1kAllocations: 5000,
    retainedBytes: 300_000,
    retainedCount: 3000,
    ...fields,
  };
}

function recording(source: string, groups: ComparableGroup[], lifetimes = true): ComparedRecording {
  return { source, groups, lifetimes };
}

/** The outcome for the session site, base groups against head groups. */
function sessionOutcome(base: ComparableGroup[], head: ComparableGroup[], threshold?: number): SiteComparison {
  const c = compareRecordings(recording('base.lhp', base), recording('head.lhp', head), threshold);
  const found = c.sites.find((s) => s.site[0].function === 'session_new');
  assert.ok(found, 'the session site is compared');
  return found;
}

/** Every measure of a leak times `factor`. */
function scaled(factor: number, fields: Partial<ComparableGroup> = {}): ComparableGroup {
  const g = group(SESSION, fields);
  return {
    ...g,
    growthBytesPerSecond: g.growthBytesPerSecond * factor,
    growthBytesPer1kAllocations: g.growthBytesPer1kAllocations * factor,
    retainedBytes: g.retainedBytes * factor,
  };
}

test('a site is its three innermost frames by function and file name: not lines, addresses or directories', () => {
  const base = siteFrames([
    frame('session_new', '/tmp/base/src/session.c', 57, 0x401000),
    frame('handle_login', '/tmp/base/src/login.c', 88),
    frame('dispatch', '/tmp/base/src/server.c', 131),
    frame('main', '/tmp/base/src/main.c', 9),
  ]);
  const head = siteFrames([
    frame('session_new', '/home/ci/work/src/session.c', 61, 0x402000),
    frame('handle_login', '/home/ci/work/src/login.c', 90),
    frame('dispatch', '/home/ci/work/src/server.c', 140),
    frame('run', '/home/ci/work/src/main.c', 12),
  ]);
  assert.equal(siteKey(base), siteKey(head));
  assert.deepEqual(base, [
    { function: 'session_new', file: 'session.c' },
    { function: 'handle_login', file: 'login.c' },
    { function: 'dispatch', file: 'server.c' },
  ]);
  // a caller within the three frames is part of the site: one helper, two sites
  const other = siteFrames([frame('session_new', '/src/session.c'), frame('handle_signup', '/src/signup.c')]);
  assert.notEqual(siteKey(other), siteKey(base));
  // a frame without a symbol is known by its module's name
  assert.deepEqual(siteFrames([{ function: '', file: '', line: 0, module: '/usr/lib/libfoo.so.1', address: 0x1234 }]), [
    { function: '?? in libfoo.so.1', file: '' },
  ]);
});

test('an unchanged recording against itself: no change, every site unchanged', () => {
  const r = recording('run.lhp', [
    group(SESSION),
    group(CACHE, { verdict: 'bounded', growthBytesPerSecond: 0, growthBytesPer1kAllocations: 0 }),
  ]);
  const c = compareRecordings(r, r);
  assert.equal(c.regression, false);
  assert.deepEqual(c.counts, { 'new-leak': 0, grown: 0, 'fixed-leak': 0, unchanged: 2 });
  assert.equal(c.sites[0].growthChange, 0);
});

test('a new leak: a confident leak in head where base had nothing, a temporary or a level bounded site', () => {
  for (const base of [
    [],
    [group(SESSION, { verdict: 'temporary', confidence: 1, growthBytesPerSecond: 0 })],
    [group(SESSION, { verdict: 'bounded', confidence: 0.9, growthBytesPerSecond: 0 })],
  ]) {
    const s = sessionOutcome(base, [group(SESSION)]);
    assert.equal(s.outcome, 'new-leak', s.reason);
  }
  const c = compareRecordings(recording('b', []), recording('h', [group(SESSION)]));
  assert.equal(c.regression, true);
});

test('noise is no new leak: unclear, bounded but rising late, or a weak leak', () => {
  const cases: [string, ComparableGroup[], ComparableGroup[]][] = [
    ['unclear in base', [group(SESSION, { verdict: 'unclear', confidence: 0.4 })], [group(SESSION)]],
    [
      'bounded but rising late in base',
      [group(SESSION, { verdict: 'bounded', confidence: 0.6, growthBytesPerSecond: 0 })],
      [group(SESSION)],
    ],
    ['a weak leak in head', [], [group(SESSION, { confidence: 0.3 })]],
    ['unclear in head', [group(SESSION, { verdict: 'temporary' })], [group(SESSION, { verdict: 'unclear' })]],
  ];
  for (const [what, base, head] of cases) {
    const s = sessionOutcome(base, head);
    assert.equal(s.outcome, 'unchanged', `${what}: ${s.reason}`);
  }
});

test('a fixed leak: a confident leak in base, gone or temporary in head; unclear in head is no fix', () => {
  assert.equal(sessionOutcome([group(SESSION)], []).outcome, 'fixed-leak');
  assert.equal(sessionOutcome([group(SESSION)], [group(SESSION, { verdict: 'temporary' })]).outcome, 'fixed-leak');
  assert.equal(sessionOutcome([group(SESSION)], [group(SESSION, { verdict: 'unclear' })]).outcome, 'unchanged');
  const c = compareRecordings(recording('b', [group(SESSION)]), recording('h', []));
  assert.equal(c.regression, false, 'a fix is no regression');
});

test('grown: by more than the threshold, in bytes retained and (exact) per allocation, not per second', () => {
  const threeTimes = sessionOutcome([scaled(1)], [scaled(3)]);
  assert.equal(threeTimes.outcome, 'grown');
  assert.ok(Math.abs((threeTimes.growthChange ?? 0) - 2) < 1e-9);
  assert.equal(sessionOutcome([scaled(1)], [scaled(1.15)]).outcome, 'unchanged', '+15% is within 20%');
  assert.equal(sessionOutcome([scaled(1)], [scaled(1.3)], 50).outcome, 'unchanged', '+30% is within 50%');
  assert.equal(sessionOutcome([scaled(1)], [scaled(1.3)], 20).outcome, 'grown', '+30% is beyond 20%');
  // a busy machine halves the base's rate per second; per allocation and in bytes it is the same leak
  const slowBase = scaled(1, { growthBytesPerSecond: 51200 });
  assert.equal(sessionOutcome([slowBase], [scaled(1)]).outcome, 'unchanged');
  const sampled = { sampled: true, retainedCount: 20_000 };
  assert.equal(
    sessionOutcome([scaled(1, { ...sampled, growthBytesPerSecond: 51200 })], [scaled(1, sampled)]).outcome,
    'unchanged',
  );
  // in an exact recording, bytes and rate per allocation must both have grown
  const moreWork = { ...scaled(3), growthBytesPer1kAllocations: 5000 };
  assert.equal(sessionOutcome([scaled(1)], [moreWork]).outcome, 'unchanged', 'more bytes from more work');
  // a shrinking leak is unchanged
  assert.equal(sessionOutcome([scaled(3)], [scaled(1)]).outcome, 'unchanged');
});

test("a sampled leak's growth must also exceed sampling noise: 1/√n for n samples each side", () => {
  const few = { sampled: true, retainedCount: 40 };
  const many = { sampled: true, retainedCount: 20_000 };
  const noisy = sessionOutcome([scaled(1, few)], [scaled(1.6, few)]);
  assert.equal(noisy.outcome, 'unchanged', noisy.reason);
  assert.ok((noisy.growthChangeLow ?? 1) < 0.2);
  assert.equal(sessionOutcome([scaled(1, many)], [scaled(1.6, many)]).outcome, 'grown');
  assert.equal(sessionOutcome([scaled(1, few)], [scaled(3, few)]).outcome, 'grown');
});

test("groups of one site (other lines, callers further out, processes) are taken together; pids don't split sites", () => {
  const elsewhere = [frame('session_new', '/src/session.c', 70), ...SESSION.slice(1), frame('start', '/src/main.c')];
  const base = [group(SESSION, { pid: 10, command: 'server' })];
  const head = [
    group(SESSION, { pid: 20, command: 'server' }),
    group(elsewhere, { pid: 21, command: 'server --worker', verdict: 'temporary', growthBytesPerSecond: 0 }),
  ];
  const s = sessionOutcome(base, head);
  assert.equal(s.outcome, 'unchanged', s.reason);
  assert.equal(s.head?.groups, 2);
  assert.equal(s.head?.verdict, 'leak');
  assert.deepEqual(
    s.head?.processes.map((p) => p.pid),
    [20, 21],
  );
  // two leaking groups of one site add up: twice the base's leak
  const twice = sessionOutcome(base, [group(SESSION), group(elsewhere)]);
  assert.equal(twice.outcome, 'grown');
});

test('no lifetimes (a .heapprofile): nothing compared, said in a note', () => {
  const unclear = group(SESSION, { verdict: 'unclear', confidence: 0 });
  const c = compareRecordings(recording('a.heapprofile', [unclear], false), recording('head.lhp', [group(SESSION)]));
  assert.equal(c.comparable, false);
  assert.equal(c.regression, false);
  assert.equal(c.sites[0].outcome, 'unchanged');
  assert.match(c.notes.join('\n'), /a\.heapprofile has no lifetimes/);
});

test('sites are ordered: new leaks, grown, fixed, unchanged', () => {
  const sites = (names: string[]) => names.map((n) => [frame(n, `/src/${n}.c`)]);
  const [fresh, grown, fixed, same] = sites(['fresh', 'grown', 'fixed', 'same']);
  const c = compareRecordings(
    recording('b', [group(same), group(fixed), group(grown)]),
    recording('h', [
      group(same),
      group(grown, { growthBytesPerSecond: 1e6, growthBytesPer1kAllocations: 1e5, retainedBytes: 1e7 }),
      group(fresh),
    ]),
  );
  const order: Outcome[] = c.sites.map((s) => s.outcome);
  assert.deepEqual(order, ['new-leak', 'grown', 'fixed-leak', 'unchanged']);
  assert.deepEqual(
    c.sites.map((s) => s.site[0].function),
    ['fresh', 'grown', 'fixed', 'same'],
  );
});
