/** `analyze` of a recording with other processes beside it: `<base>.<pid>.lhp`, `<base>.<pid>.<n>.lhp`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LhpWriter } from '../../src/format/writer';
import { siblingProfiles } from '../../src/format/siblings';
import { runCli, tmpDir } from '../helpers/helpers';

interface Process {
  pid: number;
  command: string[];
  /** Write a process record too (the native recorder does; its command wins). */
  processRecord?: string;
  /** What wrote it (node unless given). */
  recorder?: string;
  /** Its parent, in the process record (1 unless given). */
  ppid?: number;
  leaks: boolean;
}

/** A second of work by `work` (session.js:12): every allocation freed, or, leaking, none. */
function writeProfile(file: string, p: Process): void {
  const w = LhpWriter.create(file, { recorder: p.recorder ?? 'node', pid: p.pid, command: p.command });
  if (p.processRecord) w.process(p.pid, p.ppid ?? 1, p.processRecord);
  const fn = p.leaks ? 'rememberSession' : 'work';
  const stack = w.stack([
    w.frame({ function: fn, file: '/app/session.js', line: 12 }),
    w.frame({ function: 'handle', file: '/app/server.js', line: 30 }),
  ]);
  for (let i = 0; i < 2_000; i++) {
    w.alloc(i * 5e5, i + 1, 200, stack, 1);
    if (!p.leaks) w.free(i * 5e5 + 1e5, i + 1);
  }
  w.finish(2_000 * 5e5);
  w.close();
}

/** A recording: run.lhp (no leak), a leaking child, a worker thread of it, one unreadable child, and a file of another recording. */
function recording(): { dir: string; main: string } {
  const dir = tmpDir();
  const main = path.join(dir, 'run.lhp');
  writeProfile(main, { pid: 100, command: ['node', 'server.js'], leaks: false });
  writeProfile(path.join(dir, 'run.4242.lhp'), {
    pid: 4242,
    command: ['node', 'child.js'],
    processRecord: 'node child.js --worker',
    leaks: true,
  });
  writeProfile(path.join(dir, 'run.4242.1.lhp'), { pid: 4242, command: ['node', 'child.js'], leaks: false });
  fs.writeFileSync(path.join(dir, 'run.5000.lhp'), fs.readFileSync(main).subarray(0, 20)); // cut inside its header
  writeProfile(path.join(dir, 'run-old.77.lhp'), { pid: 77, command: ['node', 'old.js'], leaks: true });
  return { dir, main };
}

test('siblingProfiles finds <base>.<pid>.lhp and <base>.<pid>.<n>.lhp, ordered by pid, and nothing else', () => {
  const dir = tmpDir();
  for (const name of [
    'a+b.lhp',
    'a+b.30.lhp',
    'a+b.4.2.lhp',
    'a+b.4.lhp',
    'a+b.4.10.lhp',
    'a+b.x.lhp',
    'aab.5.lhp',
    'a+b.6.lhp.frames',
    'other.7.lhp',
  ]) {
    fs.writeFileSync(path.join(dir, name), '');
  }
  const names = (file: string) => siblingProfiles(file).map((f) => path.basename(f));
  assert.deepEqual(names(path.join(dir, 'a+b.lhp')), ['a+b.4.lhp', 'a+b.4.2.lhp', 'a+b.4.10.lhp', 'a+b.30.lhp']);
  assert.deepEqual(names(path.join(dir, 'a+b.4.lhp')), ['a+b.4.2.lhp', 'a+b.4.10.lhp'], "a child's own worker threads");
  assert.deepEqual(siblingProfiles(path.join(dir, 'missing', 'run.lhp')), [], 'an unreadable directory has none');
});

test('analyze judges the whole recording: a leaking child makes it LEAK, named, its sites first; unreadable is a warning', () => {
  const { dir, main } = recording();
  const r = runCli(['analyze', main]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(
    lines[0],
    `LEAK in pid 4242 (node child.js --worker): 1 of 1 allocation sites retain growing memory (${main}, 3 processes, 1.00 s, 6,000 allocations)`,
  );
  const table = lines.filter((l) => /^\d+ +\d+ +\w/.test(l));
  assert.match(table[0], /^1 +4242 +leak +.*rememberSession \(\/app\/session\.js:12\)$/, 'the leaking process first');
  assert.equal(table.length, 3, 'the sites of all three profiles');
  const processes = r.stdout.slice(r.stdout.indexOf('processes of this recording:')).trim().split('\n');
  assert.deepEqual(processes, [
    'processes of this recording:',
    `  LEAK     pid 4242  node child.js --worker (2,000 allocations), most suspicious site rememberSession (/app/session.js:12) — leakhound analyze ${path.join(dir, 'run.4242.lhp')}`,
    `  no leak  pid 100  node server.js (2,000 allocations), most suspicious site work (/app/session.js:12) — leakhound analyze ${main}`,
    `  no leak  pid 4242  node child.js (2,000 allocations), most suspicious site work (/app/session.js:12) — leakhound analyze ${path.join(dir, 'run.4242.1.lhp')}`,
  ]);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /^leakhound: warning: .*run\.5000\.lhp is truncated inside its header.*\(skipped\)$/);
});

test('analyze --json: the verdict and groups of every process, with pid and command; --fail-on-leak agrees', () => {
  const { dir, main } = recording();
  const r = runCli(['analyze', main, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.verdict, 'leak', 'the leaking child makes the recording leak');
  assert.deepEqual(
    out.groups.map((g: { pid: number; command: string; verdict: string }) => [g.pid, g.command, g.verdict]),
    [
      [4242, 'node child.js --worker', 'leak'],
      [100, 'node server.js', 'temporary'],
      [4242, 'node child.js', 'temporary'],
    ],
  );
  assert.equal(out.allocations, 6_000);
  assert.equal(out.groupCount, 3);
  assert.deepEqual(
    { file: out.process.file, pid: out.process.pid, verdict: out.process.verdict },
    { file: path.join(dir, 'run.4242.lhp'), pid: 4242, verdict: 'leak' },
  );
  assert.deepEqual(out.processes, [
    {
      file: path.join(dir, 'run.4242.lhp'),
      pid: 4242,
      command: 'node child.js --worker',
      verdict: 'leak',
      topFrame: { function: 'rememberSession', file: '/app/session.js', line: 12, module: '', address: 0 },
      allocations: 2_000,
      role: 'program',
      recorder: 'node',
    },
    {
      file: path.join(dir, 'run.4242.1.lhp'),
      pid: 4242,
      command: 'node child.js',
      verdict: 'no-leak',
      topFrame: { function: 'work', file: '/app/session.js', line: 12, module: '', address: 0 },
      allocations: 2_000,
      role: 'program',
      recorder: 'node',
    },
  ]);
  assert.equal(runCli(['analyze', main, '--fail-on-leak']).code, 3);
  assert.equal(runCli(['analyze', main, '--json', '--fail-on-leak']).code, 3);

  fs.rmSync(path.join(dir, 'run.4242.lhp'));
  const quiet = runCli(['analyze', main]);
  assert.equal(runCli(['analyze', main, '--fail-on-leak']).code, 0, 'no process leaks any more');
  assert.match(quiet.stdout, /^NO LEAK: none of 2 allocation sites in 2 processes retains growing memory/);
  const alone = JSON.parse(runCli(['analyze', path.join(dir, 'run-old.77.lhp'), '--json']).stdout);
  assert.deepEqual(alone.processes, [], 'no siblings: an empty list');
  assert.equal(alone.process.pid, 77, 'a recording of one process names it');
});

test('80 short-lived helpers of one command read as one line; the leaking program comes first', () => {
  const dir = tmpDir();
  const main = path.join(dir, 'run.lhp');
  const shim = `/home/u/.pyenv/libexec/pyenv exec python3 -c ${'import sys; '.repeat(40)}`;
  const w = LhpWriter.create(main, { recorder: 'native', pid: 10, command: shim.split(' ') });
  w.process(10, 1, shim);
  const stack = w.stack([w.frame({ function: 'xmalloc', file: 'shim.c', line: 3 })]);
  w.alloc(1e6, 1, 64, stack, 1);
  w.finish(2e9);
  w.close();
  for (let pid = 11; pid <= 90; pid++) {
    const helper = LhpWriter.create(path.join(dir, `run.${pid}.lhp`), { recorder: 'native', pid, command: [] });
    helper.process(pid, pid === 11 ? 10 : pid - 1, shim);
    const s = helper.stack([helper.frame({ function: 'xmalloc', file: 'shim.c', line: 3 })]);
    helper.alloc(1e6, 1, 64, s, 1);
    helper.finish(2e6);
    helper.close();
  }
  writeProfile(path.join(dir, 'run.91.lhp'), {
    pid: 91,
    command: ['python3', 'app.py'],
    processRecord: 'python3 app.py',
    recorder: 'native',
    ppid: 90,
    leaks: true,
  });
  const r = runCli(['analyze', main]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^LEAK in pid 91 \(python3 app\.py\): /);
  const listing = r.stdout.slice(r.stdout.indexOf('processes of this recording:')).trim().split('\n');
  assert.equal(listing.length, 3, r.stdout);
  assert.match(listing[1], /^ {2}LEAK {5}pid 91 {2}python3 app\.py \(2,000 allocations\)/);
  assert.match(
    listing[2],
    /^ {2}no leak {2}81 processes {2}\/home\/u\/\.pyenv\/libexec\/pyenv exec python3 -c import sys; im… \(81 allocations, launchers\)$/,
  );
  assert.ok(r.stdout.split('\n').length < 40, 'one screen');
});

test('a process that leaks only outside its sites (external) and one with no sites at all: judged, no crash', () => {
  const dir = tmpDir();
  const main = path.join(dir, 'run.lhp');
  writeProfile(main, { pid: 100, command: ['node', 'server.js'], leaks: false });
  // a child with memory samples only: its external series grows steadily, no allocation recorded
  const child = LhpWriter.create(path.join(dir, 'run.200.lhp'), {
    recorder: 'node',
    pid: 200,
    command: ['node', 'w.js'],
  });
  for (let i = 0; i < 400; i++) child.sample(i * 5e7, 'external', 1e6 + i * 1e5);
  child.finish(400 * 5e7);
  child.close();
  writeProfile(path.join(dir, 'run.300.lhp'), { pid: 300, command: ['node', 'leaky.js'], leaks: true });
  const out = JSON.parse(runCli(['analyze', main, '--json']).stdout);
  assert.equal(out.verdict, 'leak');
  assert.equal(out.process.pid, 300, 'the process whose site leaks is named first');
  assert.deepEqual(
    out.unattributed.filter((u: { verdict: string }) => u.verdict === 'leak').map((u: { pid: number }) => u.pid),
    [200],
  );
  assert.equal(runCli(['analyze', main]).code, 0);
});

test("a launcher's start-up that reads as growth is unclear, and not the recording's verdict", () => {
  const dir = tmpDir();
  const main = path.join(dir, 'run.lhp');
  // timeout's setlocale, as the allocation work clock sees it: all its work, kept
  const w = LhpWriter.create(main, { recorder: 'native', pid: 10, command: ['timeout', '60', './server'] });
  w.process(10, 1, 'timeout 60 ./server');
  const stack = w.stack([w.frame({ function: '_nl_make_l10nflist', file: 'l10nflist.c', line: 242 })]);
  for (let i = 0; i < 150; i++) w.alloc(i * 1e7, i + 1, 64, stack, 1);
  w.finish(150 * 1e7);
  w.close();
  const alone = JSON.parse(runCli(['analyze', main, '--json']).stdout);
  assert.equal(alone.verdict, 'leak', 'alone, its sites read as a leak (the premise)');
  writeProfile(path.join(dir, 'run.11.lhp'), {
    pid: 11,
    command: ['./server'],
    processRecord: './server',
    recorder: 'native',
    ppid: 10,
    leaks: false,
  });
  const out = JSON.parse(runCli(['analyze', main, '--json']).stdout);
  assert.equal(out.verdict, 'no-leak');
  assert.equal(out.process.pid, 11);
  const launcherGroups = out.groups.filter((g: { pid: number }) => g.pid === 10);
  assert.ok(launcherGroups.length > 0);
  for (const g of launcherGroups) {
    assert.equal(g.verdict, 'unclear');
    assert.match(g.explanation, /^start-up of a launcher/);
  }
});
