/**
 * The Node.js recorder end to end: real node programs (test/fixtures/node/), each
 * with one retention pattern, recorded with `leakhound record` and analyzed with
 * `leakhound analyze --json`, as a user would. Each fixture does fixed work; no
 * test asserts a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSync } from '../../src/api/load';
import { assertCulprit, summary } from '../helpers/assert-culprit';
import { analyzeJson, recordCommand, ROOT, runCli, tmpDir } from '../helpers/helpers';
import { assertPattern, NODE_PATTERNS, siblingsOf } from '../helpers/node-patterns';
import { startRecord } from '../helpers/running-record';
import { signal } from '../stress/processes';

const dir = tmpDir('leakhound-node-test-');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'node');
const fixture = (name: string): string => path.join(FIXTURES, name);

function record(name: string, command: string[], flags: string[] = []) {
  const output = path.join(dir, `${name}.lhp`);
  return { ...recordCommand(output, command, flags), output };
}

/** Each verdict fixture twice: a verdict that flips is a bug (bench/node-stability.ts runs them more). */
const RUNS = [1, 2];

describe('node recorder: record and analyze node programs, at default settings', () => {
  for (const c of NODE_PATTERNS) {
    for (const run of RUNS) {
      it(`${c.what} (${c.fixture}): ${c.verdict ?? c.overall}${c.culprit ? ` in ${c.culprit}` : ''}, run ${run}`, () => {
        const r = record(`${c.fixture.replace(/\W/g, '-')}-${run}`, ['node', fixture(c.fixture)]);
        assert.equal(r.code, 0, r.stderr);
        assertPattern(c, r.output);
      });
    }
  }

  it('a program ever more starved of CPU after a third of its work (stalled.js) still leaks: growth is measured against work done', async () => {
    const output = path.join(dir, 'stalled.lhp');
    const rec = startRecord(output, ['node', fixture('stalled.js')]);
    const stopped = (): RegExpMatchArray | null => rec.stdout().match(/stopping (\d+)/);
    await rec.waitFor(() => stopped() !== null, 'the program to stop itself');
    const pid = Number(stopped()![1]);
    // 20 ms of running at a time, with ever longer stops between: the pace keeps falling
    for (let k = 1; !rec.hasExited(); k++) {
      signal(pid, 'SIGCONT');
      await sleep(20);
      signal(pid, 'SIGSTOP');
      await sleep(Math.min(10 * k, 400));
    }
    assert.equal(await rec.exited, 0, rec.stderr());
    assertCulprit(analyzeJson(output), 'leak', 'rememberVisit', 'stalled.js');
  });

  it('Buffers kept (external.js): the growth of memory outside the JS heap is reported as unattributed, and the sites that keep the Buffers leak', () => {
    const r = record('external', ['node', fixture('external.js')]);
    assert.equal(r.code, 0, r.stderr);
    const a = analyzeJson(r.output);
    assert.equal(a.verdict, 'leak', summary(a));
    const external = a.unattributed.find((u) => u.series === 'external');
    assert.equal(external?.verdict, 'leak', JSON.stringify(a.unattributed));
    assert.ok(external.growthBytesPerSecond > 0);
    assertCulprit(a, 'leak', 'keepBuffer', 'external.js');
    assert.deepEqual(
      analyzeJson(record('external-none', ['node', fixture('linear.js')]).output).unattributed.filter(
        (u) => u.verdict === 'leak',
      ),
      [],
      'a JS-heap leak has no unattributed growth',
    );
  });

  it("polls through the addon without GCs, densely: 10 or more polls per second of the program's CPU time, and one after every full GC", () => {
    const p = loadSync(record('dense', ['node', fixture('linear.js')]).output);
    assert.equal(p.header.options?.sampler, 'addon');
    const polls = Array.from(p.series.get('leakhound.poll')?.time ?? []);
    // per second the program ran, not of the wall clock, which a busy machine stretches
    const cpuSeconds = (p.series.get('leakhound.cpu')?.value.at(-1) ?? 0) / 1e9;
    assert.ok(
      cpuSeconds > 0.5 && polls.length >= 10 * cpuSeconds,
      `${polls.length} polls in ${cpuSeconds.toFixed(2)} s of CPU time`,
    );
    const majors = p.series.get('gc.major');
    assert.ok(majors && majors.time.length >= 2, "full GCs: censuses, and V8's own");
    // the run's full GCs, not those forced at exit before the last poll
    const lastPolls = polls.at(-2) ?? 0;
    for (let i = 0; i + 1 < majors.time.length && majors.time[i + 1] < lastPolls; i++) {
      const end = majors.time[i] + majors.value[i];
      assert.ok(
        polls.some((t) => t >= end && t <= majors.time[i + 1]),
        `a poll between the full GC at ${end} ns and the next`,
      );
    }
    assert.ok((p.series.get('leakhound.census')?.value.length ?? 0) > 0, 'censuses asked for');
  });

  it("records the memory series and GCs beside the samples; rss, pss and swap from watch's sampler", () => {
    const p = loadSync(record('series', ['node', fixture('linear.js')]).output);
    // pss and swap come only from /proc/<pid>/smaps_rollup, through the sampler `watch` uses
    for (const s of ['rss', 'pss', 'swap', 'heap.used', 'heap.total', 'external', 'array-buffers', 'leakhound.poll']) {
      assert.ok((p.series.get(s)?.value.length ?? 0) > 0, `series ${s}; has ${[...p.series.keys()].join(', ')}`);
    }
    assert.ok(
      [...p.series.keys()].some((s) => s.startsWith('gc.')),
      'GC events',
    );
    assert.equal(p.header.recorder, 'node');
    assert.equal(p.info.clean, true);
  });
});

describe('node recorder: processes, threads and npm', () => {
  it('a worker thread gets a profile of its own, <base>.<pid>.<thread>.lhp, with its leak', () => {
    const r = record('worker', ['node', fixture('worker.js')]);
    assert.equal(r.code, 0, r.stderr);
    const threads = siblingsOf(r.output, 'thread');
    assert.equal(threads.length, 1, `one worker profile: ${threads.join(', ')}; ${r.stderr}`);
    assert.equal(
      loadSync(threads[0]).header.options?.sampler,
      'addon',
      'the worker has a sampler of its own, through the addon',
    );
    const a = analyzeJson(threads[0]);
    assert.equal(a.verdict, 'leak', summary(a));
    assertCulprit(a, 'leak', 'workerRemember', 'worker.js');
    const whole = analyzeJson(r.output);
    assert.ok(
      !whole.groups.some((g) => g.profile === r.output && g.frames.some((f) => f.function === 'workerRemember')),
      "the main thread's profile holds none of the worker's samples",
    );
    assert.equal(whole.verdict, 'leak', "the worker's leak is the recording's");
    assert.equal(whole.process.file, threads[0], 'and the headline names the worker thread');
  });

  it('a child node process gets <base>.<pid>.lhp, and analyze of the main profile names it', () => {
    const r = record('parent', ['node', fixture('parent.js')]);
    assert.equal(r.code, 0, r.stderr);
    const children = siblingsOf(r.output, 'process');
    assert.equal(children.length, 1, `one child profile: ${children.join(', ')}; ${r.stderr}`);
    assert.equal(loadSync(children[0]).header.options?.sampler, 'addon');
    const a = analyzeJson(children[0]);
    assert.equal(a.verdict, 'leak', summary(a));
    assertCulprit(a, 'leak', 'rememberRequest', 'linear.js');
    assert.match(
      r.stderr,
      new RegExp(`wrote ${children[0].replace(/[.]/g, '\\.')} \\(pid \\d+`),
      'record lists every profile',
    );
    const main = analyzeJson(r.output);
    assert.deepEqual(
      main.processes.map((p) => [p.file, p.verdict]),
      [[children[0], 'leak']],
      "analyze of the main profile reports the child's",
    );
  });

  it('`npm start` records the program the start script runs, not npm', () => {
    const project = path.join(dir, 'npm-project');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'leaky',
        version: '1.0.0',
        scripts: { start: `node ${JSON.stringify(fixture('linear.js'))}` },
      }),
    );
    const output = path.join(dir, 'npm.lhp');
    const r = runCli(['record', '-o', output, '--', 'npm', 'start', '--silent'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    const p = loadSync(output);
    assert.ok(
      p.header.command.some((arg) => arg.endsWith('linear.js')),
      `the profile is linear.js's: ${p.header.command.join(' ')}`,
    );
    assert.deepEqual(siblingsOf(output, 'process'), [], "npm's own node processes are not recorded");
    assertCulprit(analyzeJson(output), 'leak', 'rememberRequest', 'linear.js');
  });

  it('--no-follow records only the first node process', () => {
    const r = record('nofollow', ['node', fixture('parent.js')], ['--no-follow']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(r.output));
    assert.deepEqual(siblingsOf(r.output, 'process'), []);
  });
});

describe('node recorder: running processes', () => {
  const readyPid = (out: string): number => Number(/ready (\d+)/.exec(out)?.[1] ?? 0);
  /** The profile has its first poll's samples (it may not have its header yet). */
  const hasSamples = (output: string): boolean => {
    try {
      return loadSync(output).columns.count > 0;
    } catch {
      return false;
    }
  };
  /** Polls the profile holds (0 before its header is written). */
  const polls = (output: string): number => {
    try {
      return loadSync(output).series.get('leakhound.poll')?.value.length ?? 0;
    } catch {
      return 0;
    }
  };
  /** forever.js runs until killed: a failed test must not leave it running. */
  const killProgram = (out: string): void => {
    try {
      if (readyPid(out) > 0) process.kill(readyPid(out), 'SIGKILL');
    } catch {
      // already gone
    }
  };

  it('dump <pid> writes a mark and flushes without stopping the program, with a heap snapshot; SIGKILL then leaves a readable profile', async () => {
    const output = path.join(dir, 'forever.lhp');
    const rec = startRecord(output, ['node', fixture('forever.js')], ['--heap-snapshot-on-dump']);
    try {
      await rec.waitFor(() => readyPid(rec.stdout()) > 0 && hasSamples(output), 'the first poll');
      const dump = runCli(['dump', String(readyPid(rec.stdout()))]);
      assert.equal(dump.code, 0, dump.stderr);
      const [profile, snapshot] = dump.stdout.trim().split('\n');
      assert.equal(profile, output, 'dump prints the profile');
      assert.equal(snapshot, path.join(dir, 'forever.1.heapsnapshot'), 'and the heap snapshot written beside it');
      const head = Buffer.alloc(16);
      fs.readSync(fs.openSync(snapshot, 'r'), head, 0, 16, 0);
      assert.match(head.toString(), /^\{"snapshot":/, 'a V8 heap snapshot');
      const labels = (): string[] => loadSync(output).marks.map((m) => m.label);
      await rec.waitFor(() => labels().includes(`heap snapshot: ${snapshot}`), 'the mark naming the snapshot');
      assert.ok(labels().includes('SIGUSR2 dump'), 'the dump mark is flushed');
      assert.equal(loadSync(output).info.clean, false, 'the program runs on');
      // and keeps leaking: a second of polls more (20 or more), then it is killed
      const after = polls(output);
      await rec.waitFor(() => polls(output) >= after + 20, 'more polls after the dump');
    } finally {
      killProgram(rec.stdout());
    }
    assert.equal(await rec.exited, 137, rec.stderr());
    assert.match(rec.stderr(), /ended without finishing its profile/);
    const a = analyzeJson(output);
    assert.equal(a.verdict, 'leak', summary(a));
    assertCulprit(a, 'leak', 'rememberForever', 'forever.js');
  });

  it('SIGTERM sent to record reaches the program, whose profile is finished before it dies of it', async () => {
    const output = path.join(dir, 'term.lhp');
    const rec = startRecord(output, ['node', fixture('forever.js')]);
    try {
      await rec.waitFor(() => readyPid(rec.stdout()) > 0 && polls(output) >= 20, 'a second of polls');
      rec.child.kill('SIGTERM');
      assert.equal(await rec.exited, 143, rec.stderr());
    } finally {
      killProgram(rec.stdout());
    }
    assert.equal(loadSync(output).info.clean, true, 'an end record');
    assertCulprit(analyzeJson(output), 'leak', 'rememberForever', 'forever.js');
  });
});

describe('node recorder: options and bad input', () => {
  it('keeps frames exact by default (--no-turbo-inlining); --keep-inlining is recorded in the header', () => {
    const exact = loadSync(record('exact', ['node', fixture('linear.js')]).output);
    assert.equal(exact.header.options?.keepInlining, false);
    const inlined = loadSync(
      record(
        'inlined',
        ['node', fixture('linear.js')],
        ['--keep-inlining', '--sampling-interval', '32k', '--poll-interval', '300'],
      ).output,
    );
    assert.deepEqual(
      [inlined.header.options?.keepInlining, inlined.header.options?.samplingInterval, inlined.header.options?.poll],
      [true, 32768, 300],
    );
  });

  it('--no-addon polls through the inspector: each poll a full GC, and the leak is still found', () => {
    const r = record('no-addon', ['node', fixture('linear.js')], ['--no-addon']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /addon is not available/, 'turned off by the user: nothing to warn of');
    const p = loadSync(r.output);
    assert.equal(p.header.options?.sampler, 'inspector');
    assert.equal(p.series.get('leakhound.census'), undefined, 'no censuses: every poll is one');
    const polls = p.series.get('leakhound.poll')?.value.length ?? 0;
    assert.ok(polls > 1, `${polls} polls`);
    assert.ok(
      (p.series.get('gc.major')?.value.length ?? 0) >= polls - 1,
      'a full GC per poll (the last one at exit, after the GC observer stops)',
    );
    assertCulprit(analyzeJson(r.output), 'leak', 'rememberRequest', 'linear.js');
  });

  it('without the addon (not built), record says so in one line, polls through the inspector, and finds the leak', () => {
    // a copy of the package whose addon is missing, as after an install without a C++ compiler
    const pkg = path.join(dir, 'no-addon-pkg');
    fs.cpSync(path.join(ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    fs.rmSync(path.join(pkg, 'dist', 'recorders', 'node', 'heap-sampler.node'));
    const output = path.join(dir, 'addon-missing.lhp');
    const r = spawnSync(
      process.execPath,
      [path.join(pkg, 'dist', 'app', 'cli', 'main.js'), 'record', '-o', output, '--', 'node', fixture('parent.js')],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const said = r.stderr.split('\n').filter((l) => /addon is not available/.test(l));
    assert.equal(said.length, 1, `one line, from the first process only: ${r.stderr}`);
    assert.match(
      said[0],
      /^leakhound: polling the heap through the inspector: each poll is a full GC.*heap-sampler\.node was not built/,
    );
    const [child] = siblingsOf(output, 'process');
    assert.equal(loadSync(child).header.options?.sampler, 'inspector');
    assertCulprit(analyzeJson(child), 'leak', 'rememberRequest', 'linear.js');
  });

  it('refuses a bad sampling interval or poll interval as a usage error', () => {
    for (const flags of [
      ['--sampling-interval', '0'],
      ['--sampling-interval', 'lots'],
      ['--poll-interval', '-5'],
    ]) {
      const r = runCli(['record', '-o', path.join(dir, 'bad.lhp'), ...flags, '--', 'node', fixture('churn.js')]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('a script that throws: record exits with its code, and the profile is finished', () => {
    const script = path.join(dir, 'throws.js');
    fs.writeFileSync(
      script,
      "const kept = globalThis.kept = [];\nfor (let i = 0; i < 1e5; i++) kept.push({ i });\nthrow new Error('boom');\n",
    );
    const r = record('throws', ['node', script]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /boom/);
    assert.equal(loadSync(r.output).info.clean, true);
  });

  it('a missing script: record exits as node does, with its error', () => {
    const r = record('missing', ['node', path.join(dir, 'no-such-script.js')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cannot find module/);
  });
});
