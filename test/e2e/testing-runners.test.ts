/**
 * leakhound/testing in the four test runners, as a user gets it: each project under
 * test/fixtures/runners/ requires the built package (`leakhound/testing`, resolved to
 * dist/ through the package's own name) and has a leaky test (a promise table that
 * keeps settled promises) and its fixed version. Each runner runs its project as a
 * subprocess, several times: the leaky test must fail with expectNoLeak's message and
 * the fixed one pass, every time, with the same findings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tmpDir } from '../helpers/helpers';

const PROJECTS = path.join(ROOT, 'test', 'fixtures', 'runners');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const RUNS = 3;
const HANG_GUARD_MS = 180_000;
const out = tmpDir('leakhound-runners-');

const LEAKY = 'a promise table that keeps settled promises leaks';
const FIXED = 'the fixed promise table does not leak';
const COUNT = 'countLive counts live instances exactly';

interface TestResult {
  passed: boolean;
  /** The failure's text (message, and whatever the runner adds). */
  failure: string;
  ms: number;
}

interface RunnerOutcome {
  code: number | null;
  tests: Map<string, TestResult>;
  output: string;
}

/** The environment of a runner run: no node:test parent context, no colors, CI mode. */
function runnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return env;
}

function run(command: string, args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, {
    cwd,
    env: runnerEnv(),
    encoding: 'utf8',
    timeout: HANG_GUARD_MS,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Jest's and Vitest's JSON reports share this shape. */
interface JestLikeReport {
  testResults: {
    assertionResults: { title: string; status: string; duration?: number | null; failureMessages: string[] }[];
  }[];
}

function fromJestLike(file: string): Map<string, TestResult> {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as JestLikeReport;
  const tests = new Map<string, TestResult>();
  for (const f of report.testResults) {
    for (const a of f.assertionResults)
      tests.set(a.title, {
        passed: a.status === 'passed',
        failure: a.failureMessages.join('\n'),
        ms: a.duration ?? NaN,
      });
  }
  return byPrefix(tests);
}

/** The countLive test's title goes on in some projects (", in the test realm and in Node's"). */
function byPrefix(tests: Map<string, TestResult>): Map<string, TestResult> {
  return new Map([...tests].map(([title, r]) => [title.startsWith(COUNT) ? COUNT : title, r]));
}

const RUNNERS: { name: string; run(n: number): RunnerOutcome }[] = [
  {
    name: 'node:test',
    run() {
      const r = run(
        process.execPath,
        ['--test', '--test-reporter=tap', 'leak.test.js'],
        path.join(PROJECTS, 'node-test'),
      );
      const tests = new Map<string, TestResult>();
      // TAP: "ok 2 - name" / "not ok 1 - name", then a YAML block with duration_ms and the error
      const blocks = r.stdout.split(/^(?=(?:not )?ok \d+ - )/m).slice(1);
      for (const b of blocks) {
        const head = /^(not )?ok \d+ - (.*)$/m.exec(b)!;
        tests.set(head[2], {
          passed: !head[1],
          failure: head[1] ? b : '',
          ms: Number(/duration_ms: ([\d.]+)/.exec(b)?.[1]),
        });
      }
      return { code: r.code, tests: byPrefix(tests), output: r.stdout + r.stderr };
    },
  },
  {
    name: 'Mocha',
    run() {
      const r = run(
        path.join(BIN, 'mocha'),
        ['--config', '.mocharc.cjs', '--reporter', 'json'],
        path.join(PROJECTS, 'mocha'),
      );
      const report = JSON.parse(r.stdout) as {
        passes: { title: string; duration: number }[];
        failures: { title: string; duration: number; err: { message: string; stack: string } }[];
      };
      const tests = new Map<string, TestResult>();
      for (const t of report.passes) tests.set(t.title, { passed: true, failure: '', ms: t.duration });
      for (const t of report.failures)
        tests.set(t.title, { passed: false, failure: t.err.stack ?? t.err.message, ms: t.duration });
      return { code: r.code, tests: renameMocha(tests), output: r.stdout + r.stderr };
    },
  },
  {
    name: 'Jest',
    run(n) {
      const file = path.join(out, `jest-${n}.json`);
      const r = run(path.join(BIN, 'jest'), ['--ci', '--json', `--outputFile=${file}`], path.join(PROJECTS, 'jest'));
      return { code: r.code, tests: fromJestLike(file), output: r.stdout + r.stderr };
    },
  },
  {
    name: 'Vitest',
    run(n) {
      const file = path.join(out, `vitest-${n}.json`);
      const r = run(
        path.join(BIN, 'vitest'),
        ['run', '--reporter=json', `--outputFile=${file}`],
        path.join(PROJECTS, 'vitest'),
      );
      return { code: r.code, tests: fromJestLike(file), output: r.stdout + r.stderr };
    },
  },
];

/** Mocha's titles are the `it` titles; the project words them under a `describe`. */
function renameMocha(tests: Map<string, TestResult>): Map<string, TestResult> {
  const names: Record<string, string> = {
    'leaks when it keeps settled promises': LEAKY,
    'does not leak once fixed': FIXED,
  };
  for (const title of tests.keys()) if (title.startsWith(COUNT)) names[title] = COUNT;
  return new Map([...tests].map(([title, r]) => [names[title] ?? title, r]));
}

/**
 * The findings of a leak message, numbers of live objects left out (the runner's own
 * promises can move a count; the growth per iteration cannot).
 */
function findings(failure: string): string[] {
  const header = /^.+: \+[\d.]+ (entries |entry )?per iteration/;
  let promise = false;
  return (
    failure
      .split('\n')
      .map((l) => l.replace(/^[\s│]*/, ''))
      // not the Promise finding: the runner's own promises may keep it from adding up (TESTING.md, limits)
      .filter((l) => (header.test(l) ? !(promise = l.startsWith('Promise:')) : !promise))
      .filter((l) => /^(.+: \+[\d.]+ (entries |entry )?per iteration|retained by: |last keys: |defined at )/.test(l))
      .map((l) => l.replace(/ \(\d+( → \d+)+ (live|entries) after [\d, ]+ runs\)$/, ''))
  );
}

describe('leakhound/testing in node:test, Mocha, Jest and Vitest (built package, subprocesses)', () => {
  for (const runner of RUNNERS) {
    it(`${runner.name}: the leaky test fails with the leak's message, the fixed one and countLive's pass, ${RUNS} runs in a row`, (t) => {
      let first: string[] | undefined;
      const times: string[] = [];
      for (let n = 0; n < RUNS; n++) {
        const r = runner.run(n);
        const leaky = r.tests.get(LEAKY);
        const fixed = r.tests.get(FIXED);
        assert.ok(leaky && fixed, `${runner.name} run ${n + 1}: both tests should report:\n${r.output.slice(0, 4000)}`);
        assert.notEqual(r.code, 0, `${runner.name} exits non-zero when a test fails`);
        assert.equal(
          fixed.passed,
          true,
          `${runner.name} run ${n + 1}: the fixed promise table should pass:\n${fixed.failure}`,
        );
        assert.equal(
          r.tests.get(COUNT)?.passed,
          true,
          `${runner.name} run ${n + 1}: countLive should count exactly:\n${r.tests.get(COUNT)?.failure ?? r.output.slice(0, 4000)}`,
        );
        assert.equal(leaky.passed, false, `${runner.name} run ${n + 1}: the leaky promise table should fail`);
        assert.match(leaky.failure, /LeakError/);
        assert.match(
          leaky.failure,
          /expectNoLeak: \d kinds? of objects? and 2 collections grow with every iteration \(5 warm-up runs, then 30 measured; a census of live objects after 5, 15, 25, 35 runs\):/,
        );
        assert.match(
          leaky.failure,
          /Map entries: \+2 entries per iteration \(10 → 30 → 50 → 70 entries after 5, 15, 25, 35 runs\)/,
        );
        assert.match(leaky.failure, /last keys: "p\+69", "p\+70"/);
        assert.match(
          leaky.failure,
          /retained by: .*Object\.slotToVal ← variable `liveSlots`, closed over by \(anonymous\) \(.*leak\.test\.m?js:\d+\)/,
        );
        // the promises, when named (TESTING.md, limits: the runner's own may keep them from adding up)
        if (/Promise: /.test(leaky.failure)) {
          assert.match(
            leaky.failure,
            /Promise: \+2 per iteration \(\d+ → \d+ → \d+ → \d+ live after 5, 15, 25, 35 runs\)\n.*\n.*retained by: Map entry ← Object\.slotToVal/,
          );
        }
        const f = findings(leaky.failure);
        first ??= f;
        assert.deepEqual(f, first, `${runner.name} run ${n + 1}: the findings changed`);
        times.push(`leaky ${Math.round(leaky.ms)} ms, fixed ${Math.round(fixed.ms)} ms`);
      }
      t.diagnostic(
        `${runner.name}, one expectNoLeak each (35 runs of the function, 4 censuses; the leaky one with its heap snapshot): ${times.join('; ')}`,
      );
    });
  }
});
