// the waitForFunction callbacks below run in the page, with its DOM
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** `leakhound serve` in a real browser (playwright-core driving Debian's chromium): the views render, the filters change the table, the query box answers. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadSync } from '../../src/api/load';
import { screenshotDir, withPage } from '../helpers/browser';
import { runCli, tmpDir } from '../helpers/helpers';
import { startServe, stopServers } from '../helpers/serve-client';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
/** localhost, not 127.0.0.1: the test browser resolves names only for localhost; with the token. */
let url: string;

before(async () => {
  const sim = runCli(['simulate', '-o', demo, '--allocations', '50k', '--seed', '1']);
  assert.equal(sim.code, 0, sim.stderr);
  ({ url } = await startServe([demo, '--port', '0']));
  url = url.replace('127.0.0.1', 'localhost');
});

after(stopServers);

const rowVerdicts = (page: Page) =>
  page.locator('table#groups tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));

test("the web UI: verdict, timeline, memory, table, a site's graph and backtrace, the flame graph", async () => {
  await withPage(
    async (page) => {
      await page.goto(url);
      await page.locator('#verdict[data-verdict="leak"]').waitFor();
      assert.match((await page.locator('#headline').textContent()) ?? '', /^LEAK: 4 of \d+ allocation sites/);
      await page.locator('table#groups tbody tr').first().waitFor();
      const verdicts = await rowVerdicts(page);
      assert.ok(verdicts.length >= 8, verdicts.join(','));
      assert.equal(verdicts[0], 'leak');
      const timeline = await page.locator('#timeline svg.lh-chart').boundingBox();
      assert.ok(timeline && timeline.width > 600, JSON.stringify(timeline));
      assert.ok((await page.locator('#timeline path.lh-area').count()) >= 8);
      await page.locator('#memory svg.lh-chart path.lh-line').first().waitFor();
      assert.ok((await page.locator('#flame svg.lh-flame g.lh-frame').count()) > 5);

      await page.locator('table#groups tbody tr', { hasText: 'session_new' }).click();
      const detail = page.locator('#group-detail');
      await detail.locator('pre.backtrace').waitFor();
      assert.equal(await detail.getAttribute('data-verdict'), 'leak');
      assert.match((await detail.locator('pre.backtrace').textContent()) ?? '', /session_new \(src\/session\.c:57\)/);
      assert.ok(await detail.locator('.chart svg.lh-chart').isVisible());
    },
    { screenshot: path.join(screenshotDir(), 'serve.png') },
  );
});

test('the filters change the table, the timeline and the flame graph', async () => {
  await withPage(
    async (page) => {
      await page.goto(url);
      await page.locator('table#groups tbody tr').first().waitFor();
      const before = await rowVerdicts(page);

      await page.locator('input[name=verdict][value=bounded]').check();
      await page.waitForFunction(() =>
        [...document.querySelectorAll('table#groups tbody tr')].every(
          (r) => r.getAttribute('data-verdict') === 'bounded',
        ),
      );
      const bounded = await rowVerdicts(page);
      assert.ok(bounded.length >= 1 && bounded.length < before.length, `${bounded.length} of ${before.length}`);
      assert.match(page.url(), /verdict=bounded/);

      await page.locator('button[type=reset]').click();
      await page.locator('#f-function').fill('^session_new$');
      await page.locator('form#filters button[type=submit]').click();
      await page.waitForFunction(() => document.querySelectorAll('table#groups tbody tr').length === 1);
      assert.match((await page.locator('table#groups tbody tr').textContent()) ?? '', /session_new/);
      await page.locator('#timeline path.lh-area[data-label="session_new"]').waitFor();
      assert.equal(await page.locator('#timeline path.lh-area').count(), 1);

      await page.locator('#f-minSize').fill('1000000000');
      await page.locator('form#filters button[type=submit]').click();
      await page.waitForFunction(() => document.querySelectorAll('table#groups tbody tr').length === 0);
      assert.match((await page.locator('#groups-note').textContent()) ?? '', /No allocation matches/);
    },
    { screenshot: path.join(screenshotDir(), 'serve-filtered.png') },
  );
});

test('the query box runs an expression with the query API', async () => {
  const expected = loadSync(demo).allocations().onlyLeaked().len();
  await withPage(
    async (page) => {
      await page.goto(url);
      await page.locator('#expression').fill('allocations().onlyLeaked().len()');
      await page.locator('form#query button[type=submit]').click();
      await page.locator('#query-result[data-kind="value"] pre.value').waitFor();
      assert.equal((await page.locator('#query-result pre.value').textContent())?.trim(), String(expected));

      await page
        .locator('#expression')
        .fill("graph().add('Leaked', allocations().onlyLeaked()).add('All', allocations())");
      await page.locator('form#query button[type=submit]').click();
      await page.locator('#query-result[data-kind="graph"] svg.lh-chart').waitFor();
      const labels = await page
        .locator('#query-result path.lh-area')
        .evaluateAll((ps) => ps.map((p) => p.getAttribute('data-label')));
      assert.deepEqual(labels, ['Leaked', 'All']);
    },
    { screenshot: path.join(screenshotDir(), 'serve-query.png') },
  );
});
