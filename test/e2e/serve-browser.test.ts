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
import {
  LAUNCHER_PID,
  LEAK_FUNCTION,
  LEAKING_PID,
  WORKER_FUNCTION,
  WORKER_PIDS,
  writeProcessRecording,
} from '../helpers/process-recording';
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
      await page.locator('#timeline path.lh-area[data-label="session_new (session.c:57)"]').waitFor();
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

test('a recording of several processes: the picker switches every view to the process picked', async () => {
  const served = await startServe([writeProcessRecording(tmpDir()), '--port', '0']);
  const address = served.url.replace('127.0.0.1', 'localhost');
  const labels = (page: Page) => page.locator('table#groups tbody tr td.where').allTextContents();
  await withPage(
    async (page) => {
      await page.goto(address);
      await page.locator('#verdict[data-verdict="leak"]').waitFor();
      assert.match((await page.locator('#headline').textContent()) ?? '', new RegExp(`^LEAK in pid ${LEAKING_PID} `));
      const picker = page.locator('select#process');
      assert.ok(await picker.isVisible(), 'the picker shows');
      const options = await picker.locator('option').allTextContents();
      assert.equal(options.length, 2 + WORKER_PIDS.length);
      assert.match(options[0], new RegExp(`^LEAK · pid ${LEAKING_PID} · node server\\.js`));
      assert.match(
        options.at(-1)!,
        new RegExp(`pid ${LAUNCHER_PID} · sh -c \\./start\\.sh \\(20 allocations, launcher\\)$`),
      );
      await page.locator('table#groups tbody tr', { hasText: LEAK_FUNCTION }).waitFor();
      assert.match(
        (await page.locator('#process-headline').textContent()) ?? '',
        new RegExp(`^pid ${LEAKING_PID}: LEAK`),
      );

      await picker.selectOption('2');
      await page.locator('table#groups tbody tr', { hasText: WORKER_FUNCTION }).waitFor();
      assert.equal((await labels(page)).length, 1);
      assert.equal(await page.locator('#process-verdict').getAttribute('data-verdict'), 'no-leak');
      assert.match(
        (await page.locator('#process-headline').textContent()) ?? '',
        new RegExp(`^pid ${WORKER_PIDS[1]}: NO LEAK`),
      );
      assert.equal(
        await page.locator('#verdict').getAttribute('data-verdict'),
        'leak',
        "the header stays the recording's",
      );
      await page
        .locator(`#timeline path.lh-area[data-label="${WORKER_FUNCTION} (${WORKER_FUNCTION}.js:12)"]`)
        .waitFor();
      assert.match(page.url(), /[?&]process=2(&|$)/);

      await page.locator('table#groups tbody tr').first().click();
      await page
        .locator('#group-detail pre.backtrace', { hasText: `${WORKER_FUNCTION} (/app/${WORKER_FUNCTION}.js:12)` })
        .waitFor();
      await page.locator('#expression').fill('allocations().len()');
      await page.locator('form#query button[type=submit]').click();
      await page.locator('#query-result[data-kind="value"] pre.value').waitFor();
      assert.equal((await page.locator('#query-result pre.value').textContent())?.trim(), '950', "the picked worker's");

      // a reload shows the process the address names
      await page.reload();
      await page.locator('table#groups tbody tr', { hasText: WORKER_FUNCTION }).waitFor();
      assert.equal(await picker.inputValue(), '2');
    },
    { screenshot: path.join(screenshotDir(), 'serve-processes.png') },
  );
});
