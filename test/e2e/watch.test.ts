import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSync } from '../../src/api/load';
import type { WatchJsonLine, WatchSampleLine, WatchSummaryLine } from '../../src/render/watch-views';
import { analyzeJson, CLI, CliResult, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { startCli } from '../helpers/running-record';

/** What `watch --json` printed: a line per sample, then the summary. */
interface Watched {
  result: CliResult;
  samples: WatchSampleLine[];
  summary: WatchSummaryLine;
}

function parseWatch(result: CliResult): Watched {
  const lines = result.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '');
  const objects = lines.map((l) => JSON.parse(l) as WatchJsonLine);
  const summary = objects.at(-1);
  assert.ok(summary?.type === 'summary', `no summary; stdout: ${result.stdout.slice(-500)} stderr: ${result.stderr}`);
  return { result, samples: objects.filter((o) => o.type === 'sample'), summary };
}

/** `watch --json --interval 100ms --duration <d>` of a program: a few seconds, dense samples. */
function watchJson(command: string[], flags: string[] = [], durationSeconds = 4): Watched {
  return parseWatch(
    runCli(['watch', '--json', '--interval', '100ms', '--duration', `${durationSeconds}s`, ...flags, '--', ...command]),
  );
}

const running: ChildProcess[] = [];
after(() => {
  for (const c of running) c.kill('SIGKILL');
});

/** A fixture started by the test itself, for --pid. */
function startFixture(name: string, args: string[]): ChildProcess {
  const child = spawn(buildFixture(name), args, { stdio: 'ignore' });
  running.push(child);
  return child;
}

describe('watch: verdicts on real processes', () => {
  test('linear growth is growing, at the rate the program grows, and --fail-on-leak exits 3', () => {
    // 256 KiB every 20 ms: 12.5 MiB/s at most (less on a busy machine, where the steps come late)
    const w = watchJson([buildFixture('rss-linear'), '256', '20', '0'], ['--fail-on-leak']);
    assert.equal(w.result.code, 3, w.result.stderr);
    assert.equal(w.summary.verdict, 'growing');
    assert.equal(w.summary.end, 'duration');
    // the rate it really grew at: from the sample a tenth of the way in (the warm-up's end) to the last
    const from = w.samples[Math.floor(w.samples.length / 10)];
    const last = w.samples.at(-1)!;
    const grew = (last.rss - from.rss) / (last.seconds - from.seconds);
    const { bytesPerSecond, bytesPerSecondLow, bytesPerSecondHigh } = w.summary.total;
    assert.ok(Math.abs(bytesPerSecond - grew) < 0.25 * grew, `rate ${bytesPerSecond}, grew ${grew}`);
    assert.ok(grew <= 1.05 * ((256 * 1024) / 0.02), `grew ${grew}: no faster than the program allocates`);
    assert.ok(bytesPerSecondLow <= bytesPerSecond && bytesPerSecond <= bytesPerSecondHigh);
    assert.ok(w.samples.length >= 30, `${w.samples.length} samples`);
    assert.equal(w.samples[0].verdict, 'warming up');
    assert.equal(w.samples.at(-1)!.verdict, 'growing');
  });

  test('memory that fills up and holds is a plateau; --fail-on-leak exits 0', () => {
    const w = watchJson([buildFixture('rss-plateau'), '256', '20', '60', '0'], ['--fail-on-leak']);
    assert.equal(w.result.code, 0, w.result.stderr);
    assert.equal(w.summary.verdict, 'plateau');
  });

  test('a sawtooth that returns its memory is stable; with a rising floor it is growing', () => {
    const flat = watchJson([buildFixture('rss-sawtooth'), '512', '20', '10', '0', '0']);
    assert.equal(flat.summary.verdict, 'stable');
    const min = Math.min(...flat.samples.slice(5).map((s) => s.rss));
    const max = Math.max(...flat.samples.slice(5).map((s) => s.rss));
    assert.ok(max - min > 1 << 20, `the fixture's sawtooth shows (${min}..${max})`);
    const leaking = watchJson([buildFixture('rss-sawtooth'), '512', '20', '10', '0', '1024']);
    assert.equal(leaking.summary.verdict, 'growing');
  });

  test('a launched program is watched with its tree: one growing worker among steady ones', () => {
    const w = watchJson([buildFixture('rss-tree'), '3', '1024', '256', '20', '0']);
    assert.equal(w.summary.processes.length, 4, JSON.stringify(w.summary.processes));
    const [root, ...children] = w.summary.processes;
    assert.equal(root.pid, w.summary.root.pid);
    for (const c of children) assert.equal(c.parent, root.pid);
    const verdicts = children.map((c) => c.trend.verdict);
    assert.deepEqual(verdicts.filter((v) => v === 'growing').length, 1, verdicts.join(', '));
    assert.equal(children.at(-1)!.trend.verdict, 'growing', 'the last child grows');
    assert.equal(w.summary.verdict, 'growing');
    const last = w.samples.at(-1)!;
    assert.equal(
      last.rss,
      last.processes.reduce((a, p) => a + p.rss, 0),
      'the total is the sum of the tree',
    );
  });

  test('--no-tree watches the one process: the steady parent of a growing child is stable', () => {
    const w = watchJson([buildFixture('rss-tree'), '2', '1024', '256', '20', '0'], ['--no-tree', '--fail-on-leak']);
    assert.equal(w.result.code, 0, w.result.stderr);
    assert.equal(w.summary.processes.length, 1);
    assert.equal(w.summary.verdict, 'stable');
  });

  test('the text view: a line per sample, then the verdict and the tree', () => {
    const r = runCli([
      'watch',
      '--interval',
      '100ms',
      '--duration',
      '2s',
      '--',
      buildFixture('rss-tree'),
      '1',
      '512',
      '0',
      '20',
      '0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    // the first sample may come before the fork: the fifth sees both
    assert.match(lines[0], /^\S+ \S+\s+rss \S+ \S+\s+pss .*warming up/);
    assert.match(lines[4], /^\s*\S+ \S+\s+rss \S+ \S+\s+pss .*\s+\(2 processes\)$/);
    assert.match(r.stdout, /^verdict: stable — the tree's resident memory \(2 processes\): no lasting growth/m);
    assert.match(r.stdout, /^processes:$/m);
    assert.match(
      r.stdout,
      /^watched .*rss-tree-\w+ 1 512 0 20 0 \(pid \d+\) for \S+ s, \d+ samples, ending at the end of --duration$/m,
    );
  });
});

/** `watch --json --pid <pid>`, dense samples. */
function watchPid(pid: number, flags: string[]): Watched {
  return parseWatch(runCli(['watch', '--json', '--interval', '100ms', '--pid', String(pid), ...flags]));
}

/**
 * `watch --json --pid` of a process that runs until, `samples` samples in, it is
 * killed: it ends while watched however slowly watch starts on a busy machine.
 */
async function watchUntilKilled(flags: string[], samples: number): Promise<{ w: Watched; pid: number }> {
  const child = startFixture('rss-linear', ['128', '20', '0']);
  const watch = startCli(['watch', '--json', '--interval', '100ms', '--pid', String(child.pid), ...flags]);
  await watch.waitFor(() => watch.stdout().split('\n').length > samples, `${samples} samples`);
  child.kill('SIGKILL');
  const code = await watch.exited;
  return { w: parseWatch({ code, stdout: watch.stdout(), stderr: watch.stderr() }), pid: child.pid! };
}

describe('watch --pid', () => {
  test('watches a running process for --duration and leaves it running', () => {
    const child = startFixture('rss-linear', ['128', '20', '0']);
    const w = watchPid(child.pid!, ['--duration', '3s']);
    assert.equal(w.result.code, 0, w.result.stderr);
    assert.equal(w.summary.root.pid, child.pid);
    assert.match(w.summary.root.command, /rss-linear-\w+ 128 20 0$/);
    assert.equal(w.summary.processes.length, 1, 'no --tree by default for a pid');
    assert.equal(w.summary.verdict, 'growing');
    assert.equal(child.exitCode, null);
    assert.doesNotThrow(() => process.kill(child.pid!, 0), 'the process still runs');
    child.kill('SIGKILL');
  });

  test('a process that ends before --duration: the samples and the summary, then exit 1 with a one-line error', async () => {
    const { w, pid } = await watchUntilKilled(['--duration', '60s'], 5);
    assert.equal(w.result.code, 1);
    assert.match(
      w.result.stderr,
      new RegExp(`^leakhound: process ${pid} disappeared after \\S+ \\S+, before --duration ended\\n$`),
    );
    assert.equal(w.summary.end, 'gone');
    assert.ok(w.samples.length >= 5, `${w.samples.length} samples kept`);
  });

  test('without --duration, the process ending ends the watch: exit 0', async () => {
    const { w } = await watchUntilKilled([], 2);
    assert.equal(w.result.code, 0, w.result.stderr);
    assert.equal(w.summary.end, 'gone');
  });

  test('a pid that does not exist: one line, exit 1', () => {
    const r = runCli(['watch', '--pid', '4194999']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'leakhound: no process with pid 4194999\n');
    assert.equal(r.stdout, '');
  });
});

describe('watch: the program it runs', () => {
  test("the program's output goes to stderr, so stdout stays watch's own", () => {
    const w = watchJson(['sh', '-c', 'echo from-the-program; echo to-stderr >&2; sleep 0.3'], [], 5);
    assert.match(w.result.stderr, /from-the-program/);
    assert.match(w.result.stderr, /to-stderr/);
    assert.equal(w.summary.end, 'exited');
    assert.equal(w.summary.exitCode, 0);
  });

  test('a program that fails: watch exits with its code; one killed by a signal: 128 + the signal', () => {
    const failed = watchJson(['sh', '-c', 'sleep 0.3; exit 7'], ['--fail-on-leak']);
    assert.equal(failed.result.code, 7);
    assert.equal(failed.summary.exitCode, 7);
    const crashed = watchJson(['sh', '-c', 'sleep 0.3; kill -SEGV $$'], []);
    assert.equal(crashed.result.code, 128 + 11);
    assert.match(crashed.result.stdout, /"end":"exited"/);
  });

  test('a command that cannot start: one line, exit 1', () => {
    const r = runCli(['watch', '--', '/nonexistent/program', 'arg']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: cannot run \/nonexistent\/program: .*ENOENT\n$/);
  });

  test('SIGINT ends the watch: the program is stopped, the summary printed, exit 0', async () => {
    const watch = startCli([
      'watch',
      '--json',
      '--interval',
      '100ms',
      '--',
      buildFixture('rss-linear'),
      '64',
      '20',
      '0',
    ]);
    await watch.waitFor(() => watch.stdout().split('\n').length > 5, 'a few samples');
    const root = (JSON.parse(watch.stdout().split('\n')[0]) as { processes: { pid: number }[] }).processes[0].pid;
    watch.child.kill('SIGINT');
    assert.equal(await watch.exited, 0, watch.stderr());
    const summary = JSON.parse(watch.stdout().trim().split('\n').at(-1)!) as Watched['summary'];
    assert.equal(summary.end, 'signal');
    assert.throws(() => process.kill(root, 0), 'the program was stopped');
  });

  test("stdout's reader gone (watch | head): the watch ends as on Ctrl-C, no stack trace, the program stopped", async () => {
    const dir = tmpDir();
    const marker = path.join(dir, 'still-running');
    const watch = startCli(['watch', '--interval', '100ms', '--', 'sh', '-c', `sleep 3; touch ${marker}`]);
    await watch.waitFor(() => watch.stdout().length > 0, 'a first line');
    watch.child.stdout!.destroy();
    assert.equal(await watch.exited, 0, watch.stderr());
    assert.doesNotMatch(watch.stderr(), /Error|\n\s+at /);
    await sleep(3500);
    assert.equal(fs.existsSync(marker), false, 'the program was stopped');
  });

  test('usage: neither or both of --pid and a command, a bad interval, a bad metrics address: exit 2', () => {
    for (const args of [
      ['watch'],
      ['watch', '--pid', '1', '--', 'true'],
      ['watch', '--interval', 'soon', '--', 'true'],
      ['watch', '--interval', '1ms', '--', 'true'],
      ['watch', '--metrics', 'x:y', '--', 'true'],
    ]) {
      const r = runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /error/);
    }
  });
});

describe('watch --record-to', () => {
  const dir = tmpDir();

  test('the samples as a profile: analyze gives the RSS verdict, per process', () => {
    const file = path.join(dir, 'tree.lhp');
    const w = watchJson([buildFixture('rss-tree'), '2', '512', '256', '20', '0'], ['--record-to', file]);
    assert.equal(w.result.code, 0, w.result.stderr);
    const profile = loadSync(file);
    assert.equal(profile.header.recorder, 'rss');
    assert.equal(profile.info.clean, true);
    assert.equal(profile.series.get('rss')!.value.length, w.samples.length);
    assert.equal(profile.processes.length, 3);
    const a = analyzeJson(file) as ReturnType<typeof analyzeJson> & {
      residentMemory: { rss: { verdict: string }; processes: { pid: number; trend: { verdict: string } }[] };
    };
    assert.equal(a.verdict, 'leak');
    assert.deepEqual(a.groups, []);
    assert.equal(a.residentMemory.rss.verdict, 'growing');
    assert.equal(a.residentMemory.processes.length, 3);
    const text = runCli(['analyze', file]);
    assert.match(text.stdout, /^LEAK: resident memory growing \(.*RSS only: no allocations recorded\)$/m);
  });

  test('a watch killed mid-run keeps every sample it flushed', async () => {
    const file = path.join(dir, 'killed.lhp');
    const watch = startCli([
      'watch',
      '--json',
      '--interval',
      '100ms',
      '--record-to',
      file,
      '--',
      buildFixture('rss-linear'),
      '128',
      '20',
      '0',
    ]);
    await watch.waitFor(() => watch.stdout().split('\n').length > 12, 'a dozen samples');
    const root = (JSON.parse(watch.stdout().split('\n')[0]) as { processes: { pid: number }[] }).processes[0].pid;
    watch.child.kill('SIGKILL');
    await watch.exited;
    process.kill(root, 'SIGKILL');
    const samples = watch.stdout().trim().split('\n').length;
    const profile = loadSync(file);
    assert.equal(profile.info.clean, false);
    assert.ok(
      profile.series.get('rss')!.value.length >= samples - 1,
      `${profile.series.get('rss')!.value.length} of ${samples} samples in the file`,
    );
    assert.equal(analyzeJson(file).verdict, 'leak');
  });

  test('an unwritable profile: one line, exit 1, and the program is not left running', async () => {
    const marker = path.join(dir, 'still-running');
    const r = runCli([
      'watch',
      '--record-to',
      '/nonexistent/dir/run.lhp',
      '--',
      'sh',
      '-c',
      `sleep 2; touch ${marker}`,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: cannot write \/nonexistent\/dir\/run\.lhp: .*ENOENT.*\n$/);
    await sleep(2500);
    assert.equal(fs.existsSync(marker), false, 'the program was stopped');
  });
});

describe('watch: the terminal and permissions', () => {
  test('on a terminal: a view redrawn in place, with a sparkline, then the verdict', () => {
    // script(1) gives watch a pseudo-terminal as stdout
    const fixture = buildFixture('rss-linear');
    const command = `${process.execPath} ${CLI} watch --interval 100ms --duration 2s -- ${fixture} 128 20 0`;
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequence is what it looks for
    assert.match(r.stdout, /\x1b\[\d*A/, 'the cursor moves up to redraw');
    assert.match(r.stdout, /rss +\S+ \S+ +[▁▂▃▄▅▆▇█]{10,}/, 'a sparkline');
    assert.match(r.stdout, /Ctrl-C to stop/);
    assert.match(r.stdout, /verdict: growing/);
  });

  test('smaps_rollup it may not read: RSS is sampled all the same, with a warning', () => {
    // As root, watch as nobody a process of root's; as anyone else, watch init.
    const asRoot = process.getuid?.() === 0;
    const target = asRoot ? startFixture('rss-linear', ['64', '20', '0']).pid! : 1;
    const watch = [
      process.execPath,
      CLI,
      'watch',
      '--json',
      '--interval',
      '100ms',
      '--duration',
      '1500ms',
      '--pid',
      String(target),
    ];
    const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...watch] : watch;
    const w = parseWatch(toResult(spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000, cwd: '/' })));
    assert.equal(w.result.code, 0, w.result.stderr);
    assert.ok(w.samples.length > 1 && w.samples.every((s) => s.rss > 0), `${w.samples.length} samples`);
    assert.match(
      (w.summary as unknown as { warnings: string[] }).warnings.join('\n'),
      new RegExp(`^PSS and swap not sampled: no permission to read /proc/${target}/smaps_rollup`),
    );
  });
});

function toResult(r: SpawnSyncReturns<string>): CliResult {
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
