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
  leaks: boolean;
}

/** A second of work by `work` (session.js:12): every allocation freed, or, leaking, none. */
function writeProfile(file: string, p: Process): void {
  const w = LhpWriter.create(file, { recorder: 'node', pid: p.pid, command: p.command });
  if (p.processRecord) w.process(p.pid, 1, p.processRecord);
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

test('analyze reports run.lhp as before, then a line for each other process; an unreadable one is a warning', () => {
  const { dir, main } = recording();
  const r = runCli(['analyze', main]);
  assert.equal(r.code, 0, r.stderr);
  const alone = tmpDir();
  fs.copyFileSync(main, path.join(alone, 'run.lhp'));
  const before = runCli(['analyze', path.join(alone, 'run.lhp')]).stdout.replace(alone, dir);
  assert.ok(r.stdout.startsWith(before), 'run.lhp reported exactly as without siblings');
  assert.match(r.stdout, /^NO LEAK/, "the verdict is run.lhp's own");
  const others = r.stdout.slice(before.length).trim().split('\n');
  assert.deepEqual(others, [
    'other processes of this recording:',
    `  pid 4242 (node child.js --worker): LEAK, most suspicious site rememberSession (/app/session.js:12) — leakhound analyze ${path.join(dir, 'run.4242.lhp')}`,
    `  pid 4242 (node child.js): no leak, most suspicious site work (/app/session.js:12) — leakhound analyze ${path.join(dir, 'run.4242.1.lhp')}`,
  ]);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /^leakhound: warning: .*run\.5000\.lhp is truncated inside its header.*\(skipped\)$/);
});

test('analyze --json adds processes (siblings only); --fail-on-leak exits 3 for a leaking sibling', () => {
  const { dir, main } = recording();
  const r = runCli(['analyze', main, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.verdict, 'no-leak');
  assert.deepEqual(out.processes, [
    {
      file: path.join(dir, 'run.4242.lhp'),
      pid: 4242,
      command: 'node child.js --worker',
      verdict: 'leak',
      topFrame: { function: 'rememberSession', file: '/app/session.js', line: 12, module: '', address: 0 },
    },
    {
      file: path.join(dir, 'run.4242.1.lhp'),
      pid: 4242,
      command: 'node child.js',
      verdict: 'no-leak',
      topFrame: { function: 'work', file: '/app/session.js', line: 12, module: '', address: 0 },
    },
  ]);
  assert.equal(runCli(['analyze', main, '--fail-on-leak']).code, 3);
  assert.equal(runCli(['analyze', main, '--json', '--fail-on-leak']).code, 3);

  fs.rmSync(path.join(dir, 'run.4242.lhp'));
  assert.equal(runCli(['analyze', main, '--fail-on-leak']).code, 0, 'no sibling leaks any more');
  const alone = JSON.parse(runCli(['analyze', path.join(dir, 'run-old.77.lhp'), '--json']).stdout);
  assert.deepEqual(alone.processes, [], 'no siblings: an empty list');
});
