/**
 * HTML reports of a recording while it runs: `leakhound report` on a profile still
 * being written (or cut short), and `record --report-every / --report-dir`
 * (numbered reports, latest.html, the final one, a report at each SIGUSR2 to
 * record). Real programs, recorded for real; no test asserts a time, and every wait
 * has a guard.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import { recordCommand, ROOT, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { RunningRecord, StartOptions, startRecord } from '../helpers/running-record';

const dir = tmpDir('leakhound-reports-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the recorders are Linux-only';
const FOREVER_JS = path.join(ROOT, 'test', 'fixtures', 'node', 'forever.js');
/** rss-linear with 0 steps runs until killed: a 16 KiB allocation every 10 ms. */
const forever = (): string[] => [buildFixture('rss-linear'), '16', '10', '0'];

/** A record left running by a failed test must not outlive the suite, nor its program. */
const running: RunningRecord[] = [];
function start(output: string, command: string[], flags: string[] = [], options: StartOptions = {}): RunningRecord {
  const rec = startRecord(output, command, flags, options);
  running.push(rec);
  return rec;
}

after(() => {
  for (const rec of running) {
    if (rec.hasExited() || rec.child.pid === undefined) continue;
    // its children: the program and a report job; record first, so it starts no other
    const children = childrenOf(rec.child.pid);
    rec.child.kill('SIGKILL');
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
});

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Record's exit code, once it has exited; fails (instead of hanging) past a guard. */
async function ended(rec: RunningRecord): Promise<number | null> {
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`record did not end; stderr: ${rec.stderr()}`)), 120_000);
  });
  try {
    return await Promise.race([rec.exited, timeout]);
  } finally {
    clearTimeout(guard);
  }
}

/** The profile has allocations (false before its header is written). */
function hasAllocations(output: string): boolean {
  try {
    return loadSync(output, { progress: false }).columns.count > 0;
  } catch {
    return false;
  }
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/** A whole report: the HTML document from its start to its end, with the verdict header. */
function assertWholeReport(html: string, what: string): void {
  assert.match(html, /^<!doctype html>/, `${what} starts as an HTML document`);
  assert.ok(html.trimEnd().endsWith('</html>'), `${what} ends with </html>`);
  assert.match(html, /<header id="verdict"/, `${what} has the verdict header`);
}

const NOT_FINISHED = /This recording was not finished/;

/** The allocation count a report shows (`<dt>allocations</dt><dd>1,234 in …`). */
function allocationsIn(html: string): number {
  const m = /<dt>allocations<\/dt><dd>([\d,]+) in /.exec(html);
  assert.ok(m, 'the report shows the allocation count');
  return Number(m[1].replace(/,/g, ''));
}

/** The runtime a report shows (`<dt>runtime</dt><dd>1.94 s`), in milliseconds. */
function runtimeMsIn(html: string): number {
  const m = /<dt>runtime<\/dt><dd>([\d.]+) (ms|s|min)</.exec(html);
  assert.ok(m, 'the report shows the runtime');
  return Number(m[1]) * { ms: 1, s: 1000, min: 60_000 }[m[2] as 'ms' | 's' | 'min'];
}

/** report-001.html, report-002.html, … in order. */
function numberedReports(reports: string): string[] {
  return fs
    .readdirSync(reports)
    .filter((f) => /^report-\d+\.html$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
}

/** `leakhound report <profile>` while the profile is what it is now. */
function reportNow(profile: string, name: string): string {
  const html = path.join(dir, `${name}.html`);
  const r = runCli(['report', profile, '-o', html]);
  assert.equal(r.code, 0, r.stderr);
  return read(html);
}

/** The first length from `at` on that leaves `file` cut inside a record (or a zstd block): what the loader calls truncated. */
function cutInside(file: string, at: number, name: string): string {
  const bytes = fs.readFileSync(file);
  const cut = path.join(dir, name);
  for (let length = Math.floor(bytes.length * at); length < bytes.length; length++) {
    fs.writeFileSync(cut, bytes.subarray(0, length));
    if (loadSync(cut, { progress: false }).info.truncated) return cut;
  }
  assert.fail(`no cut of ${file} from ${at} on is inside a record`);
}

describe('leakhound report: a profile still being written', { skip: LINUX_ONLY }, () => {
  it('a node profile while its program runs: the report says so', async () => {
    const output = path.join(dir, 'live-node.lhp');
    const rec = start(output, ['node', FOREVER_JS]);
    await rec.waitFor(() => /^ready \d+/m.test(rec.stdout()) && hasAllocations(output), 'the first poll');
    const html = reportNow(output, 'live-node');
    assertWholeReport(html, 'the report');
    assert.match(html, NOT_FINISHED);
    assert.ok(allocationsIn(html) > 0);
    assert.equal(rec.hasExited(), false, 'the program runs on');
    rec.child.kill('SIGTERM');
    assert.equal(await ended(rec), 143, rec.stderr());
  });

  it('a native, compressed profile while its program runs (its zstd frame not ended)', async () => {
    const output = path.join(dir, 'live-native.lhp');
    const rec = start(output, forever());
    await rec.waitFor(() => hasAllocations(output), 'allocations in the profile');
    assert.equal(loadSync(output).info.compressed, true, 'the stream is compressed');
    const html = reportNow(output, 'live-native');
    assertWholeReport(html, 'the report');
    assert.match(html, NOT_FINISHED);
    assert.match(html, /rss-linear/, 'frames resolved from the running binary');
    rec.child.kill('SIGTERM');
    assert.equal(await ended(rec), 143, rec.stderr());
  });

  it('a plain profile cut inside a record, and a compressed one cut inside a zstd block', () => {
    const plain = path.join(dir, 'cut-plain.lhp');
    assert.equal(recordCommand(plain, [buildFixture('linear')], ['--no-compress']).code, 0);
    const compressed = path.join(dir, 'cut-zstd.lhp');
    assert.equal(recordCommand(compressed, [buildFixture('linear')]).code, 0);
    for (const [file, name] of [
      [plain, 'cut-plain-60.lhp'],
      [compressed, 'cut-zstd-60.lhp'],
    ]) {
      const cut = cutInside(file, 0.6, name);
      const html = reportNow(cut, name);
      assertWholeReport(html, `the report of ${name}`);
      assert.match(html, NOT_FINISHED, name);
      assert.ok(allocationsIn(html) > 0, `${name}: what came before the cut`);
    }
  });
});

describe('record --report-every, --report-dir', { skip: LINUX_ONLY }, () => {
  it('--report-every 500ms: numbered reports while the program runs, later ones with more allocations; latest.html; a final one', async () => {
    const output = path.join(dir, 'periodic.lhp');
    const reports = path.join(dir, 'periodic-reports');
    // a 16 KiB allocation every 10 ms until SIGTERM, once two reports are written: on a
    // busy machine the reports (at nice 10) come when they can, not every 500 ms
    const rec = start(output, forever(), ['--report-every', '500ms', '--report-dir', reports]);
    await rec.waitFor(() => fs.existsSync(path.join(reports, 'report-002.html')), 'a second report');
    rec.child.kill('SIGTERM');
    assert.equal(await ended(rec), 143, rec.stderr());
    assert.doesNotMatch(rec.stderr(), /warning/);
    assert.match(rec.stderr(), /leakhound: wrote .*report-final\.html/);

    const numbered = numberedReports(reports);
    assert.ok(numbered.length >= 2, `several numbered reports: ${fs.readdirSync(reports)}`);
    assert.equal(numbered[0], 'report-001.html', 'numbered from 1');
    const htmls = numbered.map((f) => read(path.join(reports, f)));
    for (const [k, html] of htmls.entries()) assertWholeReport(html, numbered[k]);
    assert.match(htmls[0], NOT_FINISHED, 'the first was written while the program ran');
    const counts = htmls.map(allocationsIn);
    assert.ok(
      counts.every((n, k) => k === 0 || n >= counts[k - 1]) && counts[counts.length - 1] > counts[0],
      `more allocations in later reports: ${counts}`,
    );

    const final = read(path.join(reports, 'report-final.html'));
    assertWholeReport(final, 'report-final.html');
    assert.doesNotMatch(final, NOT_FINISHED, 'the final report is of the ended profile');
    assert.ok(allocationsIn(final) >= counts[counts.length - 1]);
    assert.equal(read(path.join(reports, 'latest.html')), final, 'latest.html is the last report written');
    assert.deepEqual(
      fs
        .readdirSync(reports)
        .filter((f) => !numbered.includes(f))
        .sort(),
      ['latest.html', 'report-final.html'],
      'no temporary files left',
    );
  });

  it('each report is of the run up to its moment: fewer allocations than the final one, no more than the program had made by then', async () => {
    const output = path.join(dir, 'steady.lhp');
    const reports = path.join(dir, 'steady-reports');
    // 800,000 allocations in 4 s: 20,000 at the start of each 100 ms
    const [steps, perStep, stepMs] = [40, 20_000, 100];
    const rec = start(
      output,
      [buildFixture('steady'), String(steps), String(perStep), String(stepMs)],
      ['--report-every', '1s', '--report-dir', reports],
    );
    assert.equal(await ended(rec), 0, rec.stderr());
    assert.doesNotMatch(rec.stderr(), /warning/);
    const final = read(path.join(reports, 'report-final.html'));
    assert.equal(allocationsIn(final), steps * perStep, 'the final report holds the whole run');
    assert.equal(loadSync(output, { progress: false }).columns.count, steps * perStep);

    const numbered = numberedReports(reports);
    assert.ok(numbered.length >= 1, 'a report while the program ran');
    const first = allocationsIn(read(path.join(reports, numbered[0])));
    assert.ok(first < steps * perStep, `${numbered[0]}: ${first} allocations, part of the run`);
    let before = 0;
    for (const name of numbered) {
      const html = read(path.join(reports, name));
      const [count, runtimeMs] = [allocationsIn(html), runtimeMsIn(html)];
      // a report due after the last step (and before the exit) holds all of the run
      assert.ok(
        count > 0 && count <= steps * perStep,
        `${name}: ${count} allocations, no more than the final report's`,
      );
      assert.ok(count >= before, `${name}: no fewer than the report before`);
      assert.ok(runtimeMs <= runtimeMsIn(final), `${name}: a runtime no longer than the final report's`);
      // the runtime is shown to 3 digits: 10 ms of slack; the program is never early
      const madeByThen = perStep * (Math.floor((runtimeMs + 10) / stepMs) + 1);
      assert.ok(
        count <= madeByThen,
        `${name}: ${count} allocations by ${runtimeMs} ms, at most ${madeByThen} were made`,
      );
      before = count;
    }
  });

  it('a period shorter than a report: one report at a time, the ticks meanwhile skipped, said once', async () => {
    const output = path.join(dir, 'busy.lhp');
    const reports = path.join(dir, 'busy-reports');
    const rec = start(
      output,
      [buildFixture('rss-linear'), '16', '10', '100'],
      ['--report-every', '10ms', '--report-dir', reports],
    );
    assert.equal(await ended(rec), 0, rec.stderr());
    assert.equal(rec.stderr().match(/are skipped/g)?.length, 1, rec.stderr());
    assert.match(rec.stderr(), /leakhound: \d+ reports? (was|were) skipped, due while one was being written\n/);
    assert.doesNotMatch(rec.stderr(), /warning/);
    const numbered = numberedReports(reports);
    assert.deepEqual(
      numbered,
      numbered.map((_, k) => `report-${String(k + 1).padStart(3, '0')}.html`),
      'numbered without gaps',
    );
    assert.ok(fs.existsSync(path.join(reports, 'report-final.html')));
  });

  it('SIGUSR2 to record (--report-dir alone): a report with the dump in it, and the program runs on; then SIGTERM ends it', async () => {
    const output = path.join(dir, 'usr2.lhp');
    const reports = path.join(dir, 'usr2-reports');
    const rec = start(output, forever(), ['--report-dir', reports]);
    await rec.waitFor(() => hasAllocations(output), 'allocations in the profile');
    rec.child.kill('SIGUSR2');
    await rec.waitFor(() => /report at SIGUSR2: .*report-001\.html/.test(rec.stderr()), 'the report of the dump');
    const html = read(path.join(reports, 'report-001.html'));
    assertWholeReport(html, 'report-001.html');
    assert.match(html, /SIGUSR2 dump/, 'the dump mark is in the report: record waited for it');
    assert.match(html, NOT_FINISHED);
    assert.equal(read(path.join(reports, 'latest.html')), html);
    assert.equal(rec.hasExited(), false, 'the program runs on');

    rec.child.kill('SIGTERM');
    assert.equal(await ended(rec), 143, rec.stderr());
    assert.deepEqual(numberedReports(reports), ['report-001.html'], 'no periodic reports without --report-every');
    const final = read(path.join(reports, 'report-final.html'));
    assertWholeReport(final, 'report-final.html');
    assert.doesNotMatch(final, NOT_FINISHED, 'SIGTERM ended the profile as an exit does');
    assert.ok(allocationsIn(final) > allocationsIn(html));
  });

  it('SIGUSR2 to record of a node program: the report has the dump and its poll', async () => {
    const output = path.join(dir, 'usr2-node.lhp');
    const reports = path.join(dir, 'usr2-node-reports');
    const rec = start(output, ['node', FOREVER_JS], ['--report-dir', reports]);
    await rec.waitFor(() => /^ready \d+/m.test(rec.stdout()) && hasAllocations(output), 'the first poll');
    rec.child.kill('SIGUSR2');
    await rec.waitFor(() => /report at SIGUSR2: /.test(rec.stderr()), 'the report of the dump');
    const html = read(path.join(reports, 'report-001.html'));
    assertWholeReport(html, 'report-001.html');
    assert.match(html, /SIGUSR2 dump/, 'written once the dump was flushed');
    assert.match(html, /rememberForever/, 'the leak, from the polls');
    rec.child.kill('SIGTERM');
    assert.equal(await ended(rec), 143, rec.stderr());
    assert.ok(fs.existsSync(path.join(reports, 'report-final.html')));
  });

  it('a Ctrl-C (SIGINT to the whole process group) ends the program, not the reports: the final one follows', async () => {
    const output = path.join(dir, 'ctrl-c.lhp');
    const reports = path.join(dir, 'ctrl-c-reports');
    const rec = start(output, forever(), ['--report-every', '300ms', '--report-dir', reports], { ownGroup: true });
    await rec.waitFor(() => fs.existsSync(path.join(reports, 'report-001.html')), 'the first report');
    process.kill(-rec.child.pid!, 'SIGINT');
    assert.equal(await ended(rec), 130, rec.stderr());
    assert.doesNotMatch(rec.stderr(), /warning/);
    const final = read(path.join(reports, 'report-final.html'));
    assertWholeReport(final, 'report-final.html');
    assert.ok(allocationsIn(final) >= allocationsIn(read(path.join(reports, 'report-001.html'))));
  });

  it("the program's exit code passes through; the default directory is <output>-reports", async () => {
    const output = path.join(dir, 'exitcode.lhp');
    const r = recordCommand(output, [buildFixture('exitcode')], ['--report-every', '500ms']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, /exiting with status 7/);
    const final = path.join(dir, 'exitcode-reports', 'report-final.html');
    assertWholeReport(read(final), 'report-final.html');
  });

  it('an unwritable --report-dir: one line and exit 1 before the program starts', () => {
    const notADir = path.join(dir, 'a-file');
    fs.writeFileSync(notADir, '');
    const started = path.join(dir, 'started');
    const output = path.join(dir, 'unwritable.lhp');
    // under a regular file; and in /proc, where node's recursive mkdir loops for ever (mkdir says ENOENT)
    for (const [reports, why] of [
      [
        path.join(notADir, 'reports'),
        /^leakhound: cannot write reports in .*a-file\/reports: .*a-file is a file, not a directory\n$/,
      ],
      [
        '/proc/self/leakhound-reports',
        /^leakhound: cannot write reports in \/proc\/self\/leakhound-reports: ENOENT\n$/,
      ],
    ] as const) {
      const r = recordCommand(
        output,
        ['sh', '-c', `touch '${started}'`],
        ['--report-every', '2s', '--report-dir', reports],
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, why);
      assert.equal(fs.existsSync(started), false, 'the program never ran');
      assert.equal(fs.existsSync(output), false);
    }
  });

  it('a bad --report-every is a usage error', () => {
    const r = runCli(['record', '-o', path.join(dir, 'bad.lhp'), '--report-every', 'soon', '--', 'true']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--report-every/);
  });
});
