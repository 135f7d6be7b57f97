/**
 * The native recorder end to end: real C and C++ programs (test/fixtures/native/),
 * each with one allocation pattern, recorded with `leakhound record` and analyzed
 * with `leakhound analyze --json`, as a user would. Each fixture does fixed work;
 * no test asserts a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import { assertCulprit, assertNoLeakGroup, summary } from '../helpers/assert-culprit';
import { analyzeJson, recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { assertNativePattern, caseName, childProfiles, expectedOf, NATIVE_PATTERNS } from '../helpers/native-patterns';
import { startRecord } from '../helpers/running-record';

const dir = tmpDir('leakhound-native-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

interface Recorded {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The profile of the started process. */
  output: string;
}

/** `leakhound record -o <dir>/<name>.lhp [options] -- <binary> [args]`, stdio captured. */
function record(name: string, binary: string, options: { args?: string[]; flags?: string[] } = {}): Recorded {
  const output = path.join(dir, `${name}.lhp`);
  return { ...recordCommand(output, [binary, ...(options.args ?? [])], options.flags), output };
}

const analyze = analyzeJson;

describe('leakhound record: native programs', { skip: LINUX_ONLY }, () => {
  describe('verdicts and culprits, one allocation pattern per program', () => {
    for (const c of NATIVE_PATTERNS) {
      it(`${caseName(c)}: ${c.what} → ${expectedOf(c)}`, () => {
        const r = record(caseName(c), buildFixture(c.fixture, c.build));
        assertNativePattern(c, r, r.output);
      });
    }

    it('churn: only short-lived allocations (malloc, calloc, realloc, strdup) → no-leak, each site temporary', () => {
      const r = record('churn', buildFixture('churn'));
      assert.equal(r.code, 0, r.stderr);
      const a = analyze(r.output);
      assert.equal(a.verdict, 'no-leak', summary(a));
      assertNoLeakGroup(a);
      for (const fn of ['format_header', 'json_encode', 'token_clone']) {
        const groups = a.groups.filter((g) => g.frames[0]?.function === fn);
        assert.ok(groups.length > 0, `no group allocated in ${fn}; ${summary(a)}`);
        for (const g of groups) assert.equal(g.verdict, 'temporary', `${fn}; ${summary(a)}`);
      }
    });
  });

  describe('threads', () => {
    it('handoff: memory freed on another thread than it was allocated on → no-leak, every free after its allocation', () => {
      const r = record('handoff', buildFixture('handoff'));
      assert.equal(r.code, 0, r.stderr);
      // a free written before its allocation reads as an unmatched free, and the allocation as never freed
      assert.equal(loadSync(r.output).info.unmatchedFrees, 0);
      assert.equal(analyze(r.output).verdict, 'no-leak');
    });
  });

  describe('stack capture', () => {
    for (const mode of ['fp', 'dwarf']) {
      it(`--unwind ${mode} on a program with frame pointers finds the same culprit`, () => {
        const r = record(`linear-${mode}`, buildFixture('linear'), { flags: ['--unwind', mode] });
        assert.equal(r.code, 0, r.stderr);
        const a = analyze(r.output);
        assert.equal(a.verdict, 'leak', summary(a));
        assertCulprit(a, 'leak', 'session_new', 'linear.c');
      });
    }
  });

  describe('processes', () => {
    it("fork: the parent (churn only) does not leak; the child writes <base>.<pid>.lhp, whose child_leak is the recording's leak", () => {
      const r = record('fork', buildFixture('fork'));
      assert.equal(r.code, 0, r.stderr);
      const children = childProfiles(r.output);
      assert.equal(children.length, 1, `one child profile beside ${r.output}, found: ${children.join(', ')}`);
      const pid = Number(/\.(\d+)\.lhp$/.exec(children[0])![1]);
      const profile = loadSync(children[0]);
      assert.ok(
        profile.processes.some((p) => p.pid === pid),
        `the child profile's process is ${pid}: ${JSON.stringify(profile.processes)}`,
      );
      const child = analyze(children[0]);
      assert.equal(child.verdict, 'leak', `child: ${summary(child)}`);
      assertCulprit(child, 'leak', 'child_leak', 'fork.c');

      const whole = analyze(r.output);
      assert.equal(whole.verdict, 'leak', `the recording leaks through its child: ${summary(whole)}`);
      assert.equal(whole.process.pid, pid, 'and names the child');
      assertCulprit(whole, 'leak', 'child_leak', 'fork.c');
      const parentGroups = whole.groups.filter((g) => g.pid !== pid);
      assert.ok(parentGroups.length > 0, "the parent's sites are listed too");
      assertNoLeakGroup({ ...whole, groups: parentGroups });
    });

    it('fork with --no-follow: no child profile', () => {
      const r = record('fork-nofollow', buildFixture('fork'), { flags: ['--no-follow'] });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(childProfiles(r.output), []);
      assert.equal(analyze(r.output).verdict, 'no-leak');
    });

    it('killed by SIGKILL mid-run: record exits 137, and what was written loads and shows the leak', () => {
      const r = record('killed', buildFixture('killed'));
      assert.equal(r.code, 128 + 9, r.stderr);
      const profile = loadSync(r.output);
      assert.equal(profile.info.clean, false, 'a killed process writes no end record');
      assert.ok(profile.columns.count > 0, 'allocations were written before the kill');
      const a = analyze(r.output);
      assert.equal(a.verdict, 'leak', summary(a));
      assertCulprit(a, 'leak', 'orphan_new', 'killed.c');
    });

    it('a crash (SIGSEGV): record exits 139 and the profile loads with the allocations made before it', () => {
      const r = record('crash', buildFixture('crash'));
      assert.equal(r.code, 128 + 11, `record's exit code; stderr: ${r.stderr}`);
      const profile = loadSync(r.output);
      assert.ok(profile.columns.count > 0, 'allocations were written before the crash');
      assert.equal(runCli(['analyze', r.output, '--json']).code, 0);
    });

    it('dump <pid> (SIGUSR2) makes a running program write a mark; it runs on and exits 0 with the leak', async () => {
      const output = path.join(dir, 'usr2.lhp');
      const pidFile = path.join(dir, 'usr2.pid');
      const rec = startRecord(output, [buildFixture('usr2'), pidFile]);
      try {
        await rec.waitFor(() => fs.existsSync(pidFile), 'the pid file');
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        assert.ok(pid > 0);
        const hasAllocations = (): boolean => {
          try {
            return loadSync(output).columns.count > 0;
          } catch {
            return false; // not created yet, or its header not written yet
          }
        };
        await rec.waitFor(hasAllocations, 'the profile to hold allocations');

        const dump = runCli(['dump', String(pid)]);
        assert.equal(dump.code, 0, dump.stderr);
        assert.equal(path.resolve(dump.stdout.trim()), path.resolve(output), 'dump prints the profile it made write');
        let midRun = loadSync(output);
        await rec.waitFor(
          () => (midRun = loadSync(output)).marks.some((m) => m.label === 'SIGUSR2 dump'),
          'the dump mark',
        );
        assert.equal(midRun.info.clean, false, 'loaded mid-run: no end record yet');
        assert.ok(midRun.columns.count > 0);
      } finally {
        await rec.exited; // the program finishes its fixed work either way
      }
      assert.equal(await rec.exited, 0, rec.stderr());
      const final = loadSync(output);
      const marks = final.marks.filter((m) => m.label === 'SIGUSR2 dump');
      assert.equal(marks.length, 1, `one dump mark: ${JSON.stringify(final.marks)}`);
      assert.ok(marks[0].time < final.runtimeNs, 'the mark is before the end of the run');
      const a = analyze(output);
      assert.equal(a.verdict, 'leak', summary(a));
      assertCulprit(a, 'leak', 'subscriber_new', 'usr2.c');
    });
  });

  describe('the command line', () => {
    it('passes the exit code and stdout of the program through', () => {
      const r = record('exitcode', buildFixture('exitcode'));
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stdout, /^exitcode fixture: exiting with status 7$/m);
      assert.ok(loadSync(r.output).columns.count > 0);
      assert.doesNotMatch(r.stderr, /^next:/m, 'no hint after a failed run');
    });

    it('a command that does not exist: exit 1, one line on stderr, no stack trace', () => {
      const missing = path.join(dir, 'no-such-program');
      const r = record('missing', missing);
      assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.ok(!/^\s+at /m.test(r.stderr), `a stack trace on stderr:\n${r.stderr}`);
      const lines = r.stderr.split('\n');
      assert.equal(lines.length, 2, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0], /^leakhound: /);
      assert.match(lines[0], /no-such-program/);
      assert.doesNotMatch(lines[0], /internal error/);
    });
  });
});
