/**
 * `leakhound compare base.lhp head.lhp` on real recordings: pairs of versions of one
 * program (test/fixtures/native/versions.c, test/fixtures/node/versions.js) — a leak
 * added, fixed, made three times as fast, and an unchanged program run twice, which
 * must report no change (Node.js recordings are sampled: a second run differs) — and
 * the imported formats. Recorded at default settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFixture } from '../helpers/native-fixtures';
import { assertOneLineFailure, recordCommand, ROOT, runCli, tmpDir } from '../helpers/helpers';

const dir = tmpDir();
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const NODE_VERSIONS = path.join(FIXTURES, 'node', 'versions.js');

interface ComparisonJson {
  outcome: string;
  regression: boolean;
  comparable: boolean;
  thresholdPercent: number;
  counts: Record<string, number>;
  sites: {
    outcome: string;
    site: { function: string; file: string }[];
    base: { verdict: string; growthBytesPerSecond: number } | null;
    head: { verdict: string; growthBytesPerSecond: number } | null;
    growthChange: number | null;
    reason: string;
  }[];
  notes: string[];
}

const recordings = new Map<string, string>();

/** Records `command` once per name, into the suite's directory. */
function recorded(name: string, command: string[]): string {
  const known = recordings.get(name);
  if (known) return known;
  const file = path.join(dir, `${name}.lhp`);
  const r = recordCommand(file, command);
  assert.equal(r.code, 0, `record ${name}: ${r.stderr}`);
  recordings.set(name, file);
  return file;
}

const native = (version: string, run = 1) => recorded(`native-${version}-${run}`, [buildFixture('versions'), version]);
const node = (version: string, run = 1) =>
  recorded(`node-${version}-${run}`, [process.execPath, NODE_VERSIONS, version]);

function compareJson(base: string, head: string, flags: string[] = []): ComparisonJson {
  const r = runCli(['compare', base, head, '--json', ...flags]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ComparisonJson;
}

/** The compared site whose innermost frame is `culprit`. */
function siteOf(c: ComparisonJson, culprit: string): ComparisonJson['sites'][number] {
  const s = c.sites.find((x) => x.site[0]?.function === culprit);
  assert.ok(s, `${culprit} is among the compared sites: ${c.sites.map((x) => x.site[0]?.function).join(', ')}`);
  return s;
}

/** Only `culprit` changed, as `outcome`; every other site is unchanged. */
function assertOnlyChange(c: ComparisonJson, culprit: string, outcome: string): void {
  const s = siteOf(c, culprit);
  assert.equal(s.outcome, outcome, s.reason);
  const others = c.sites.filter((x) => x !== s && x.outcome !== 'unchanged');
  assert.deepEqual(
    others.map((x) => `${x.site[0]?.function}: ${x.outcome} (${x.reason})`),
    [],
    'no other site changed',
  );
}

test('native: a leak added is a new leak; --fail-on-regression exits 3 and the text says so', () => {
  const c = compareJson(native('fixed'), native('leak'));
  assert.equal(c.outcome, 'regression');
  assertOnlyChange(c, 'session_new', 'new-leak');
  assert.equal(siteOf(c, 'session_new').base?.verdict, 'temporary');
  assert.deepEqual(
    siteOf(c, 'session_new').site.map((f) => f.function),
    ['session_new', 'handle_login', 'serve_clients'],
  );

  const text = runCli(['compare', native('fixed'), native('leak'), '--fail-on-regression']);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /^REGRESSION: 1 new leak \(/);
  assert.match(
    text.stdout,
    /new leak\s+temporary\s+leak [\d.]+ [KM]iB, [\d.]+ [KM]iB\/s\s+session_new \(versions\.c:\d+\) < handle_login/,
  );
});

test('native: a leak fixed is a fixed leak, and no regression', () => {
  const c = compareJson(native('leak'), native('fixed'));
  assert.equal(c.outcome, 'fixed');
  assert.equal(c.regression, false);
  assertOnlyChange(c, 'session_new', 'fixed-leak');
  const r = runCli(['compare', native('leak'), native('fixed'), '--fail-on-regression']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^FIXED: 1 leak fixed/);
});

test('native: a leak three times as fast has grown; a threshold above its growth lets it pass', () => {
  const c = compareJson(native('leak'), native('leak3x'));
  assertOnlyChange(c, 'session_new', 'grown');
  const change = siteOf(c, 'session_new').growthChange ?? 0;
  assert.ok(change > 1.5 && change < 2.5, `grown by ${change} (three times the bytes)`);
  const lenient = compareJson(native('leak'), native('leak3x'), ['--threshold', `${Math.ceil(change * 100) + 50}%`]);
  assert.equal(siteOf(lenient, 'session_new').outcome, 'unchanged');
  assert.equal(lenient.regression, false);
});

test('native: the same program run twice reports no change', () => {
  const r = runCli(['compare', native('leak', 1), native('leak', 2), '--fail-on-regression']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^NO CHANGE: no new, fixed or grown leak \(threshold 20%\)/);
  const c = compareJson(native('leak', 1), native('leak', 2));
  assert.equal(c.outcome, 'no-change');
  assert.equal(siteOf(c, 'session_new').base?.verdict, 'leak');
  assert.equal(siteOf(c, 'session_new').head?.verdict, 'leak');
});

test('node: the same program run twice reports no change despite sampling', () => {
  const c = compareJson(node('leak', 1), node('leak', 2));
  assert.equal(c.outcome, 'no-change', JSON.stringify(c.sites.filter((s) => s.outcome !== 'unchanged')));
  assert.equal(siteOf(c, 'rememberRequest').head?.verdict, 'leak');
  const r = runCli(['compare', node('leak', 1), node('leak', 2), '--fail-on-regression']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('node: a leak added is a new leak, three times as fast has grown', () => {
  assertOnlyChange(compareJson(node('fixed'), node('leak')), 'rememberRequest', 'new-leak');
  assertOnlyChange(compareJson(node('leak'), node('leak3x')), 'rememberRequest', 'grown');
});

test('imported files: a heaptrack recording compares; a .heapprofile has no lifetimes, and says so', () => {
  const heaptrack = path.join(FIXTURES, 'interop', 'heaptrack.linear.zst');
  const same = compareJson(heaptrack, heaptrack);
  assert.equal(same.outcome, 'no-change');
  assert.equal(siteOf(same, 'session_new').head?.verdict, 'leak');

  const heapprofile = path.join(FIXTURES, 'fuzz-seeds', 'node.heapprofile');
  const against = compareJson(heapprofile, node('leak'));
  assert.equal(against.outcome, 'not-compared');
  assert.equal(against.comparable, false);
  assert.ok(against.sites.every((s) => s.outcome === 'unchanged'));
  assert.match(against.notes[0], /node\.heapprofile has no lifetimes/);
  const text = runCli(['compare', heapprofile, node('leak'), '--fail-on-regression']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^NOT COMPARED: a recording without lifetimes/);
});

test('bad input: one line, exit 1; usage mistakes exit 2', () => {
  const missing = runCli(['compare', path.join(dir, 'missing.lhp'), native('leak')]);
  assertOneLineFailure(missing, /missing\.lhp/, 'a missing base');
  const corrupt = path.join(dir, 'corrupt.lhp');
  fs.writeFileSync(corrupt, 'not a recording at all');
  assertOneLineFailure(runCli(['compare', native('leak'), corrupt]), /corrupt\.lhp/, 'a corrupt head');
  assert.equal(runCli(['compare', native('leak')]).code, 2, 'one recording');
  assert.equal(runCli(['compare', native('leak'), native('leak'), '--threshold', 'lots']).code, 2, 'a bad threshold');
  assert.equal(compareJson(native('leak'), native('leak'), ['--threshold', '35']).thresholdPercent, 35);
});
