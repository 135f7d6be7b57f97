import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadSync } from '../../src/api/load';
import { diagnose } from '../../src/diagnose/diagnose';
import { simulate } from '../../src/simulate/simulate';
import { screenshotDir, withPage } from '../helpers/browser';
import { recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { LEAK_FUNCTION, LEAKING_PID, WORKER_FUNCTION, writeProcessRecording } from '../helpers/process-recording';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
const report = path.join(dir, 'report.html');
before(() => {
  simulate({ output: demo, allocations: 100_000, seed: 1 });
  const r = runCli(['report', demo, '-o', report]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^leakhound: wrote .*report\.html \(\d+(\.\d+)? KiB\)\n$/);
});

const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

describe('leakhound report: one self-contained HTML file', () => {
  test('the verdict, the timeline, the ranked sites with graphs and backtraces, the flame graph', () => {
    const html = fs.readFileSync(report, 'utf8');
    const d = diagnose(loadSync(demo));
    assert.match(html, /^<!doctype html>/);
    assert.match(
      html,
      /<header id="verdict" class="verdict leak" data-verdict="leak"><h1>LEAK: 4 of \d+ allocation sites retain growing memory<\/h1>/,
    );
    const rows = [...html.matchAll(/<tr data-verdict="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(
      rows,
      d.groups.slice(0, 20).map((g) => g.verdict),
    );
    assert.equal(count(html, /<section class="group" id="group-\d+"/g), rows.length);
    assert.equal(count(html, /<pre class="backtrace">/g), rows.length);
    assert.match(html, /<pre class="backtrace">[^<]*#03 session_new \(src\/session\.c:57\)/);
    assert.match(
      html,
      /<section id="timeline"><h2>Timeline<\/h2><div class="timeline-leaks"><svg [^>]*class="lh-chart"/,
    );
    assert.match(html, /<div class="timeline-all"><svg [^>]*class="lh-chart"/);
    assert.match(html, /<section id="flame">.*<svg [^>]*class="lh-flame"/s);
    assert.match(html, /SIGUSR2 dump/, 'the dump mark is on the graphs');
    // self-contained: nothing fetched, nothing run
    assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test('in a real browser: the verdict, the table, the graphs and the flame graph render', async () => {
    await withPage(
      async (page) => {
        await page.goto(`file://${report}`);
        assert.match((await page.locator('#verdict h1').textContent()) ?? '', /^LEAK: 4 of/);
        const rows = page.locator('table#groups tbody tr');
        assert.ok((await rows.count()) >= 8);
        assert.equal(await rows.first().getAttribute('data-verdict'), 'leak');
        const timeline = await page.locator('#timeline .timeline-all svg').boundingBox();
        assert.ok(timeline && timeline.width > 600 && timeline.height > 200, JSON.stringify(timeline));
        assert.ok((await page.locator('#timeline .timeline-all path.lh-area').count()) >= 8);
        for (const area of await page.locator('#timeline path.lh-area').all()) {
          const box = await area.boundingBox();
          assert.ok(box && box.width > 100, 'each area spans the run');
        }
        await rows.first().locator('a').click();
        assert.match(page.url(), /#group-1$/);
        const group = page.locator('#group-1');
        assert.ok(await group.locator('svg.lh-chart').isVisible());
        assert.match((await group.locator('pre.backtrace').textContent()) ?? '', /session_new \(src\/session\.c:57\)/);
        const frames = page.locator('#flame g.lh-frame');
        assert.ok((await frames.count()) > 5);
        assert.ok(await page.locator('#flame g.lh-frame', { hasText: 'session_new' }).first().isVisible());
      },
      { screenshot: path.join(screenshotDir(), 'report.png') },
    );
  });

  test('aggregated: a recording ten times bigger makes a report of about the same size', () => {
    const big = path.join(dir, 'big.lhp');
    simulate({ output: big, allocations: 1_000_000, seed: 1 });
    const out = path.join(dir, 'big.html');
    const r = runCli(['report', big, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const ratio = fs.statSync(out).size / fs.statSync(report).size;
    assert.ok(
      ratio > 1 / 1.5 && ratio < 1.5,
      `1 M allocations: ${fs.statSync(out).size} bytes, 100 k: ${fs.statSync(report).size}`,
    );
  });

  test('bad input: a missing or corrupt profile, an unwritable report: one line, exit 1, no report left half written', () => {
    const missing = runCli(['report', path.join(dir, 'nope.lhp'), '-o', path.join(dir, 'x.html')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^leakhound: .*nope\.lhp.*\n$/);
    const corrupt = path.join(dir, 'corrupt.lhp');
    fs.writeFileSync(corrupt, 'not a recording at all');
    const bad = runCli(['report', corrupt, '-o', path.join(dir, 'y.html')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^leakhound: .*corrupt\.lhp.*\n$/);
    const unwritable = runCli(['report', demo, '-o', '/nonexistent/dir/report.html']);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /^leakhound: cannot write \/nonexistent\/dir\/report\.html: ENOENT\n$/);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    for (const out of ['x.html', 'y.html']) assert.ok(!fs.existsSync(path.join(dir, out)), `${out} was written`);
  });
});

describe('leakhound report of a recording of several processes: its verdict, and a process picker', () => {
  test('sh -c running a leaking program: the headline names the child, the picker lists the shell as a launcher', {
    skip: process.platform !== 'linux' && 'the native recorder is Linux-only',
  }, () => {
    const recording = path.join(dir, 'sh.lhp');
    const linear = buildFixture('linear');
    const rec = recordCommand(recording, ['sh', '-c', `${linear}; true`]);
    assert.equal(rec.code, 0, rec.stderr);
    const out = path.join(dir, 'sh.html');
    const r = runCli(['report', recording, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const html = fs.readFileSync(out, 'utf8');
    const child = /<h1>LEAK in pid (\d+) \(\S*linear\S*\): 1 of \d+ allocation sites retain growing memory<\/h1>/.exec(
      html,
    );
    assert.ok(child, html.slice(0, 600));
    assert.match(html, /<header id="verdict" class="verdict leak" data-verdict="leak">/);
    const rows = [...html.matchAll(/<tr data-verdict="([^"]+)" data-role="([^"]+)" data-section="(-?\d+)">.*?<\/tr>/g)];
    assert.deepEqual(
      rows.map((m) => [m[1], m[2], m[3]]),
      [
        ['leak', 'program', '0'],
        ['no-leak', 'launcher', '-1'],
      ],
    );
    assert.match(rows[0][0], new RegExp(`<td>${child[1]}</td>`));
    assert.match(rows[1][0], /sh -c /);
    assert.match(html, /<div class="process" id="process-0" data-pid="\d+">/);
    assert.match(html, /<table id="groups" class="groups">.*?<tr data-verdict="leak">.*?session_new/s);
  });

  test('in a real browser: the headline process shows first; a click on the picker shows another', async () => {
    const recording = writeProcessRecording(tmpDir());
    const out = path.join(path.dirname(recording), 'run.html');
    const r = runCli(['report', recording, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    await withPage(
      async (page) => {
        await page.goto(`file://${out}`);
        assert.match(
          (await page.locator('#verdict h1').textContent()) ?? '',
          new RegExp(`^LEAK in pid ${LEAKING_PID} `),
        );
        assert.ok(await page.locator('#timeline svg').first().isVisible(), "the headline process's timeline");
        assert.match(
          (await page.locator('table#groups tbody tr').first().textContent()) ?? '',
          new RegExp(LEAK_FUNCTION),
        );
        assert.equal(await page.locator('#p1-timeline svg').first().isVisible(), false);

        await page.locator('#processes label[for="pick-1"]').click();
        assert.ok(await page.locator('#p1-timeline svg').first().isVisible(), 'the picked process shows');
        assert.equal(await page.locator('#timeline svg').first().isVisible(), false, 'the headline one is hidden');
        const rows = page.locator('#p1-groups tbody tr');
        assert.match((await rows.first().textContent()) ?? '', new RegExp(WORKER_FUNCTION));
        await rows.first().locator('a').click();
        assert.match(page.url(), /#p1-group-1$/);
        assert.ok(await page.locator('#p1-group-1 svg.lh-chart').isVisible(), "the site's graph");
        assert.ok(await page.locator('#p1-flame .flame-leaks svg').isVisible(), 'its flame graph');

        await page.locator('#processes label[for="pick-0"]').click();
        assert.ok(await page.locator('#timeline svg').first().isVisible(), 'and back');
      },
      { screenshot: path.join(screenshotDir(), 'report-processes.png') },
    );
  });
});
