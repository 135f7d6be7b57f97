/**
 * `leakhound record` and `dump` around the program: how stacks are captured through
 * code without frame pointers, exec, signals, bad targets, and the records the
 * recorder adds beside allocations (RSS samples, symbols).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSync } from '../../src/api/load';
import { AnalysisJson, analyzeJson, CLI, GroupJson, recordCommand, ROOT, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture, findLibrary } from '../helpers/native-fixtures';

const dir = tmpDir('leakhound-process-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

function functions(frames: { function: string }[]): string[] {
  return frames.map((f) => f.function);
}

/** The leak group allocated in `fn`; fails with every group's verdict and first frames. */
function leakIn(analysis: AnalysisJson, fn: string): GroupJson {
  const group = analysis.groups.find((g) => g.verdict === 'leak' && g.frames[0]?.function === fn);
  const summary = analysis.groups.map((g) => `${g.verdict}: ${functions(g.frames.slice(0, 4)).join(' < ')}`).join('\n');
  assert.ok(group, `no leak group allocated in ${fn}; groups:\n${summary}`);
  return group;
}

describe('leakhound record: around the program', { skip: LINUX_ONLY }, () => {
  it('a leak inside a callback from libc (qsort): --unwind auto walks through libc to the caller and main', () => {
    const output = path.join(dir, 'callback.lhp');
    const r = recordCommand(output, [buildFixture('callback')]);
    assert.equal(r.code, 0, r.stderr);
    const names = functions(leakIn(analyzeJson(output), 'compare_and_log').frames);
    assert.ok(names.includes('sort_batch') && names.includes('main'), `the walk crossed qsort: ${names.join(' < ')}`);
    assert.ok(
      names.some((n) => /qsort/.test(n)),
      `libc's own frames are named: ${names.join(' < ')}`,
    );
  });

  it('--unwind fp stops where frame pointers end (inside libc), which is why auto exists', () => {
    const output = path.join(dir, 'callback-fp.lhp');
    assert.equal(recordCommand(output, [buildFixture('callback')], ['--unwind', 'fp']).code, 0);
    const leak = leakIn(analyzeJson(output), 'compare_and_log');
    assert.ok(!functions(leak.frames).includes('sort_batch'));
  });

  it('--unwind dwarf on a program with frame pointers gives the same stacks as auto', () => {
    const binary = buildFixture('callback');
    const stacks = (mode: string) => {
      const output = path.join(dir, `callback-${mode}-same.lhp`);
      assert.equal(recordCommand(output, [binary], ['--unwind', mode]).code, 0);
      return analyzeJson(output)
        .groups.filter((g) => g.verdict === 'leak')
        .map((g) => functions(g.frames).join(' < '))
        .sort();
    };
    const auto = stacks('auto');
    assert.ok(
      auto.some((s) => s.startsWith('compare_and_log')),
      `auto finds the leak: ${auto.join('; ')}`,
    );
    assert.deepEqual(stacks('dwarf'), auto);
  });

  it('allocations inside a signal handler (every millisecond) are recorded, and the program runs to its end', () => {
    const output = path.join(dir, 'signals.lhp');
    assert.equal(recordCommand(output, [buildFixture('signals')]).code, 0);
    const groups = analyzeJson(output).groups;
    assert.ok(
      groups.some((g) => g.frames[0]?.function === 'alarm_keep'),
      "the handler's allocations",
    );
    assert.ok(
      groups.some((g) => g.frames[0]?.function === 'format_header'),
      "the main loop's",
    );
  });

  it("a vfork child that calls _exit (a failed exec) leaves the parent's recording running", () => {
    const output = path.join(dir, 'vfork.lhp');
    const r = recordCommand(output, [buildFixture('vfork')]);
    assert.equal(r.code, 0, r.stderr);
    const profile = loadSync(output);
    assert.ok(profile.info.clean, 'the parent, not its vfork child, ended the stream');
    leakIn(analyzeJson(output), 'kept_after_vfork');
  });

  it('a program linked with its own allocator (jemalloc) keeps it: its malloc_usable_size knows every block', () => {
    const jemalloc = findLibrary('libjemalloc.so.2');
    assert.ok(jemalloc, 'libjemalloc.so.2 is installed (npm test installs it)');
    const output = path.join(dir, 'jemalloc.lhp');
    const r = recordCommand(output, [buildFixture('jemalloc', ['-Wl,--no-as-needed', jemalloc])]);
    assert.equal(r.code, 0, `the program ran on jemalloc as without the recorder: ${r.stderr}`);
    assert.match(r.stdout, /^jemalloc \d/);
    leakIn(analyzeJson(output), 'record_keep');
  });

  it("a function inlined by the compiler keeps its own frame, file and line, before its caller's", () => {
    const output = path.join(dir, 'inlined.lhp');
    assert.equal(recordCommand(output, [buildFixture('inlined', ['-O2'])]).code, 0);
    const leak = leakIn(analyzeJson(output), 'node_new');
    assert.deepEqual(functions(leak.frames).slice(0, 3), ['node_new', 'list_grow', 'main']);
    assert.match(leak.frames[0].file, /inlined\.c$/);
    assert.ok(leak.frames[0].line < leak.frames[1].line, 'node_new is defined above list_grow');
  });

  it('without addr2line at record time, the profile says so and is symbolized when analyzed later', () => {
    const output = path.join(dir, 'no-addr2line.lhp');
    // a build of its own: no symbols of it are cached yet
    const binary = buildFixture('callback', ['-DUNCACHED_BUILD']);
    const r = runCli(['record', '-o', output, '--', binary], { env: { PATH: '/nonexistent' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: no symbols from .*callback/);
    const still = runCli(['analyze', output, '--json'], { env: { PATH: '/nonexistent' } });
    const unnamed = (JSON.parse(still.stdout) as AnalysisJson).groups.find((g) => g.verdict === 'leak');
    assert.equal(unnamed?.frames[0].function, '', 'no addr2line yet: no name');
    assert.ok(
      (unnamed?.frames[0].address ?? 0) > 0 && unnamed?.frames[0].module === binary,
      'but the address and the module',
    );
    leakIn(analyzeJson(output), 'compare_and_log');
  });

  it('a program built without debug info still gets function names, from its symbol table', () => {
    const output = path.join(dir, 'nodebug.lhp');
    const r = recordCommand(output, [buildFixture('callback', ['-O1', '-fno-omit-frame-pointer'], { replace: true })]);
    assert.equal(r.code, 0, r.stderr);
    const leak = leakIn(analyzeJson(output), 'compare_and_log');
    assert.equal(leak.frames[0].line, 0, 'no line without debug info');
    assert.ok(functions(leak.frames).includes('main'), functions(leak.frames).join(' < '));
  });

  it('a program that execs another (a wrapper): the last image takes over the -o file', () => {
    const output = path.join(dir, 'exec.lhp');
    const r = recordCommand(output, ['sh', '-c', `exec ${buildFixture('callback')}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /comparisons logged/);
    const profile = loadSync(output);
    assert.ok(
      profile.header.command.some((arg) => arg.endsWith('callback') || arg.includes('callback-')),
      `the -o file is the exec'd program's: ${profile.header.command}`,
    );
    assert.equal(analyzeJson(output).verdict, 'leak');
    const renamed = fs.readdirSync(dir).filter((f) => /^exec\.\d+\.lhp$/.test(f));
    assert.equal(renamed.length, 1, `the shell's own profile moved aside: ${fs.readdirSync(dir)}`);
    assert.match(loadSync(path.join(dir, renamed[0])).header.command.join(' '), /\bsh\b/);
  });

  it('records the RSS of the program as a series, and a profile whose symbols were appended loads without addr2line', () => {
    const output = path.join(dir, 'rss.lhp');
    assert.equal(recordCommand(output, [buildFixture('callback')]).code, 0);
    const withoutTools = runCli(['analyze', output, '--json'], { env: { PATH: '/nonexistent' } });
    assert.equal(withoutTools.code, 0, withoutTools.stderr);
    const leak = leakIn(JSON.parse(withoutTools.stdout) as AnalysisJson, 'compare_and_log');
    assert.match(leak.frames[0].file, /callback\.c$/);
    const rss = loadSync(output).series.get('rss');
    assert.ok(rss && rss.value.length >= 1 && rss.value[rss.value.length - 1] > 1 << 20, 'an RSS sample of over 1 MiB');
  });

  it('--no-compress writes a plain stream; killed, it is cut back to its last whole record and still gets its symbols', () => {
    const output = path.join(dir, 'killed-plain.lhp');
    const r = recordCommand(output, [buildFixture('killed')], ['--no-compress']);
    assert.equal(r.code, 137, r.stderr);
    assert.deepEqual([...fs.readFileSync(output).subarray(0, 4)], [0x89, 0x4c, 0x48, 0x50], 'the .lhp magic, not zstd');
    const profile = loadSync(output);
    assert.equal(profile.info.truncated, false, 'cut back to a whole record');
    assert.equal(profile.info.clean, false, 'no end record: the program was killed');
    const a = runCli(['analyze', output, '--json'], { env: { PATH: '/nonexistent' } });
    const analysis = JSON.parse(a.stdout) as AnalysisJson;
    const named = analysis.groups.some((g) => g.verdict === 'leak' && functions(g.frames).includes('orphan_new'));
    assert.ok(named, 'symbols were appended: no addr2line needed to name the culprit');
  });

  it('leaves only profiles behind (the frame table the recorder hands over is consumed); recording again replaces them', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'clean-'));
    assert.equal(recordCommand(path.join(sub, 'run.lhp'), [buildFixture('fork')]).code, 0);
    const first = fs.readdirSync(sub).sort();
    assert.equal(recordCommand(path.join(sub, 'run.lhp'), [buildFixture('fork')]).code, 0);
    const files = fs.readdirSync(sub).sort();
    assert.notDeepEqual(files, first, 'the child has another pid: the earlier child profile is gone');
    assert.equal(files.length, 2, `${files}`);
    assert.ok(
      files.every((f) => /^run(\.\d+)?\.lhp$/.test(f)),
      `${files}`,
    );
  });

  it('a program that starts more threads than a profile can name still records a readable profile', () => {
    const output = path.join(dir, 'manythreads.lhp');
    assert.equal(recordCommand(output, [buildFixture('manythreads')]).code, 0);
    const profile = loadSync(output);
    assert.ok(profile.columns.count >= 70_000, `every thread's allocation: ${profile.columns.count}`);
    assert.ok(profile.threads.length <= 65_536);
    assert.equal(profile.threads[profile.threads.length - 1].name, '(later threads)');
  });

  it('forwards SIGTERM to the program and exits as it did (143); a program without its own handler still ends its profile cleanly', async () => {
    const output = path.join(dir, 'term.lhp');
    const child = spawn(process.execPath, [CLI, 'record', '-o', output, '--', 'sleep', '30'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // `sleep` is recorded once its profile has a header: then the signal reaches it
    for (let i = 0; i < 200 && !(fs.existsSync(output) && fs.statSync(output).size > 0); i++) await sleep(25);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 143);
    const profile = loadSync(output);
    assert.ok(profile.info.clean, 'the end record, written before sleep died of SIGTERM');
    assert.deepEqual(profile.info.warnings, []);
  });

  it('works from an installation whose path has a space (LD_PRELOAD cannot quote one)', () => {
    const install = path.join(dir, 'my tools');
    fs.mkdirSync(install);
    fs.cpSync(path.join(ROOT, 'dist'), path.join(install, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(install, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(install, 'node_modules'));
    const output = path.join(dir, 'spaced.lhp');
    const r = spawnSync(
      process.execPath,
      [path.join(install, 'dist', 'app', 'cli', 'main.js'), 'record', '-o', output, '--', buildFixture('callback')],
      {
        encoding: 'utf8',
        timeout: 120_000, // a guard against a hang, not a time asserted
        killSignal: 'SIGKILL',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /cannot be preloaded/);
    assert.equal(analyzeJson(output).verdict, 'leak');
  });

  it('refuses a statically linked program with one line', () => {
    const binary = buildFixture('callback', ['-static']);
    const r = recordCommand(path.join(dir, 'static.lhp'), [binary]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: .*statically linked.*\n$/);
  });

  it('--fail-on-leak: exit 3 when the recorded program leaks, its own exit code otherwise', () => {
    assert.equal(
      recordCommand(path.join(dir, 'fail-leak.lhp'), [buildFixture('callback')], ['--fail-on-leak']).code,
      3,
    );
    assert.equal(recordCommand(path.join(dir, 'fail-churn.lhp'), [buildFixture('churn')], ['--fail-on-leak']).code, 0);
    assert.equal(
      recordCommand(path.join(dir, 'fail-exit.lhp'), [buildFixture('exitcode')], ['--fail-on-leak']).code,
      7,
    );
  });

  it('a Node.js program goes to the Node.js recorder; --recorder node takes a shell script that starts node', () => {
    const direct = path.join(dir, 'node.lhp');
    const r = recordCommand(direct, [
      process.execPath,
      '-e',
      'globalThis.kept = Array.from({ length: 1e5 }, (_, i) => ({ i }))',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(loadSync(direct).header.recorder, 'node');
    const viaShell = path.join(dir, 'node-sh.lhp');
    const sh = recordCommand(
      viaShell,
      ['sh', '-c', `"${process.execPath}" -e 'globalThis.kept = [1, 2, 3]'; true`],
      ['--recorder', 'node'],
    );
    assert.equal(sh.code, 0, sh.stderr);
    const p = loadSync(viaShell);
    assert.equal(p.header.recorder, 'node', 'the node process took the output, not the shell');
    assert.ok(p.header.command.includes('-e'));
  });

  it('refuses an output it cannot write, before running anything', () => {
    const r = recordCommand('/nonexistent/dir/run.lhp', ['true']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: cannot write \/nonexistent\/dir\/run\.lhp: ENOENT\n$/);
  });
});

describe('leakhound dump', { skip: LINUX_ONLY }, () => {
  it('refuses a process that is not being recorded (SIGUSR2 would kill it)', () => {
    const r = runCli(['dump', String(process.pid)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: process \d+ is not being recorded by leakhound/);
  });

  it('says when there is no such process', () => {
    const r = runCli(['dump', '999999999']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'leakhound: no process 999999999\n');
  });
});
