import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadSync } from '../../src/api/load';
import { diagnose } from '../../src/diagnose/diagnose';
import { simulate } from '../../src/simulate/simulate';
import { screenshotDir, withPage } from '../helpers/browser';
import { runCli, tmpDir } from '../helpers/helpers';

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
    assert.match(html, /<section id="timeline"><h2>Timeline<\/h2><svg [^>]*class="lh-chart"/);
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
        const timeline = await page.locator('#timeline svg').boundingBox();
        assert.ok(timeline && timeline.width > 600 && timeline.height > 200, JSON.stringify(timeline));
        assert.ok((await page.locator('#timeline path.lh-area').count()) >= 8);
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
