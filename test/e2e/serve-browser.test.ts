// the waitForFunction callbacks below run in the page, with its DOM
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `leakhound serve` in a real browser (playwright-core driving Debian's chromium): the
 * views render, the leak sites come first, the filters change the table, the query box
 * answers.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadSync } from '../../src/api/load';
import { screenshotDir, withPage } from '../helpers/browser';
import { VERDICT_PAINT } from '../../src/render/svg/verdict-colours';
import { analyzeJson, recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { drawnAreas, LEAK_VERDICTS, legendVerdicts, widestSiteFrame } from '../helpers/prominence';
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

/** The verdict of each allocating function's site (the most suspicious of a name), as `analyze --json` gives them: the truth the page is held to. */
function verdictsOf(file: string): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const g of analyzeJson(file).groups) {
    const name = g.frames[0]?.function;
    if (name && !verdicts.has(name)) verdicts.set(name, g.verdict);
  }
  return verdicts;
}

/**
 * The page shows no bounded site more prominently than a leak site. "Prominent",
 * measured (as the report's test/e2e/report-verdict-first.test.ts does):
 * - the first view lists the leak sites, a leak first, above every other view; the
 *   table's first row is a leak site;
 * - the first timeline: its first legend entry, the area drawn first (the bottom of the
 *   stack) and the largest are a leak site's; every timeline stacks a leak at the bottom;
 *   leak areas are painted in their family's warm shades, more solid than bounded ones;
 * - the flame graph shown by default: its widest allocating function is a leak site's,
 *   and no bounded site's is drawn until the switch asks for every site's bytes never freed;
 * - the query box's first query lists the leak sites, and nothing on the page says "leaked".
 */
async function assertLeakSitesFirst(page: Page, verdicts: Map<string, string>): Promise<void> {
  const leakCount = [...verdicts.values()].filter((v) => LEAK_VERDICTS.includes(v)).length;
  const bounded = [...verdicts].filter(([, v]) => v === 'bounded').map(([name]) => name);
  assert.ok(leakCount > 0 && bounded.length > 0, JSON.stringify([...verdicts]));
  const isLeak = (verdict: string | null) => LEAK_VERDICTS.includes(verdict ?? '');

  // the first view: every leak site, a leak first, above the other views
  const first = page.locator('#first-sites tbody tr');
  await first.first().waitFor();
  const firstVerdicts = await first.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
  assert.equal(firstVerdicts.length, leakCount, firstVerdicts.join(','));
  assert.ok(firstVerdicts.every(isLeak), firstVerdicts.join(','));
  assert.match(
    (await page.locator('#first-view-title').textContent()) ?? '',
    /^\d+ leak sites?, most suspicious first$/,
  );
  const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y;
  for (const view of ['#meta', '#filters-section', '#timeline', '#groups-section', '#flame', '#query-section'])
    assert.ok((await top('#first-view')) < (await top(view)), `the first view comes before ${view}`);
  await page.locator('table#groups tbody tr').first().waitFor();
  assert.ok(isLeak((await rowVerdicts(page))[0]), 'the table starts with a leak site');

  // the timelines: the leak sites' own first, leaks at the bottom of every one, in their warm shades
  const firstChart = page.locator('#timeline svg.lh-chart').first();
  await page.locator('#leak-timeline-chart svg.lh-chart').waitFor();
  assert.equal(await firstChart.evaluate((svg) => svg.parentElement?.id), 'leak-timeline-chart');
  const legend = await legendVerdicts(firstChart);
  assert.ok(isLeak(legend[0]), `the first legend entry: ${legend}`);
  const areas = await drawnAreas(firstChart);
  assert.ok(isLeak(areas[0].verdict), `the area drawn first: ${JSON.stringify(areas[0])}`);
  const largest = areas.reduce((a, b) => (b.px2 > a.px2 ? b : a));
  assert.ok(isLeak(largest.verdict), `the largest area: ${JSON.stringify(areas)}`);
  assert.ok(largest.px2 > 1000, `the leak is drawn, not a hairline: ${largest.px2} px²`);
  await page.locator('#timeline-chart svg.lh-chart').waitFor();
  for (const chart of await page.locator('#timeline svg.lh-chart').all()) {
    assert.ok(isLeak((await drawnAreas(chart))[0].verdict), 'every timeline stacks a leak at the bottom');
    assert.ok(isLeak((await legendVerdicts(chart))[0]), 'and lists it first');
  }
  for (const item of await page.locator('#timeline g.lh-legend-item[data-verdict]').all())
    assert.match((await item.textContent()) ?? '', /^(leak|leak-freed-at-exit|unclear|bounded|temporary): /);
  const paints = await page.locator('#timeline-chart path.lh-area[data-verdict]').evaluateAll((paths) =>
    paths.map((p) => ({
      verdict: p.getAttribute('data-verdict') as keyof typeof VERDICT_PAINT,
      fill: p.getAttribute('fill') ?? '',
      opacity: Number(p.getAttribute('fill-opacity')),
    })),
  );
  assert.ok(
    paints.some((p) => p.verdict === 'bounded'),
    JSON.stringify(paints),
  );
  for (const p of paints) assert.ok(VERDICT_PAINT[p.verdict].shades.includes(p.fill), JSON.stringify(p));
  for (const leak of paints.filter((p) => isLeak(p.verdict)))
    for (const b of paints.filter((p) => p.verdict === 'bounded'))
      assert.ok(leak.opacity > b.opacity, `a leak is more solid than a bounded site: ${JSON.stringify([leak, b])}`);

  // the flame graph: the leak sites' retained bytes by default, every site's never-freed bytes on the switch
  const flame = page.locator('#flame-chart svg.lh-flame');
  await flame.waitFor();
  assert.ok(await page.locator('#flame-weigh input[value="leak-sites"]').isChecked());
  const widest = await widestSiteFrame(flame, verdicts);
  assert.ok(widest && isLeak(widest.verdict), `the widest allocating function: ${JSON.stringify(widest)}`);
  for (const name of bounded) assert.equal(await flame.locator('g.lh-frame', { hasText: name }).count(), 0, name);
  await page.locator('#flame-weigh input[value="never-freed"]').check();
  await flame.locator('> title', { hasText: /^Bytes never freed/ }).waitFor({ state: 'attached' });
  for (const name of bounded) assert.ok((await flame.locator('g.lh-frame', { hasText: name }).count()) > 0, name);
  assert.match(page.url(), /[?&]weigh=never-freed(&|$)/);

  // the query box's first query lists the leak sites
  await page.locator('form#query button[type=submit]').click();
  await page.locator('#query-result[data-kind="groups"] table.query-groups').waitFor();
  const queried = await page
    .locator('#query-result tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
  assert.equal(queried.length, leakCount, queried.join(','));
  assert.ok(queried.every(isLeak), queried.join(','));

  // "leak" is a verdict: a byte is never freed, or retained
  assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /leaked/i);
}

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
      const timeline = await page.locator('#timeline-chart svg.lh-chart').boundingBox();
      assert.ok(timeline && timeline.width > 600, JSON.stringify(timeline));
      assert.ok((await page.locator('#timeline-chart path.lh-area').count()) >= 8);
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

test('the demo: the leak sites come first in every view, the bounded cache never above them', async () => {
  await withPage((page) => page.goto(url).then(() => assertLeakSitesFirst(page, verdictsOf(demo))), {
    screenshot: path.join(screenshotDir(), 'serve-leaks-first.png'),
  });
});

test('a native program recorded at default settings: its small leak comes before a cache ten times bigger', {
  skip: process.platform !== 'linux' && 'the native recorder is Linux-only',
}, async () => {
  const recorded = path.join(dir, 'leak-beside-cache.lhp');
  const r = recordCommand(recorded, [buildFixture('leak-beside-cache')]);
  assert.equal(r.code, 0, r.stderr);
  const verdicts = verdictsOf(recorded);
  assert.equal(verdicts.get('audit_record_new'), 'leak', JSON.stringify([...verdicts]));
  assert.equal(verdicts.get('cache_insert'), 'bounded', JSON.stringify([...verdicts]));
  const served = await startServe([recorded, '--port', '0']);
  await withPage(
    async (page) => {
      await page.goto(served.url.replace('127.0.0.1', 'localhost'));
      await assertLeakSitesFirst(page, verdicts);
    },
    { screenshot: path.join(screenshotDir(), 'serve-native-leaks-first.png') },
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
      await page
        .locator('#timeline-chart path.lh-area[data-verdict="leak"][data-label="session_new (session.c:57)"]')
        .waitFor();
      assert.equal(await page.locator('#timeline-chart path.lh-area').count(), 1);

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
        .locator(`#timeline-chart path.lh-area[data-label="${WORKER_FUNCTION} (${WORKER_FUNCTION}.js:12)"]`)
        .waitFor();
      assert.match(page.url(), /[?&]process=2(&|$)/);
      // no leak: the first view says so, with the sites that retain the most; the flame graph shows every site's
      assert.equal(await page.locator('#first-view-title').textContent(), "No leak: no site's retained memory grows");
      await page.locator('#first-sites tbody tr[data-verdict="bounded"]', { hasText: WORKER_FUNCTION }).waitFor();
      assert.equal(await page.locator('#first-sites tbody tr').count(), 1);
      assert.ok(await page.locator('#flame-weigh input[value="never-freed"]').isChecked());
      assert.match(
        await page.locator('#expression').inputValue(),
        /^\/\/ no leak site: the sites that retain the most/,
      );

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
