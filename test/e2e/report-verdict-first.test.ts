/**
 * The report shows the verdict's story first: in a real browser, on the demo and on a
 * native program whose small leak sits beside a big bounded cache, every place the eye
 * starts belongs to a leak site, never to the cache. "Prominent", measured:
 * - the first row of the sites table and the first entry of the first timeline's legend;
 * - the first timeline: the area drawn first (the bottom of the stack) and the largest;
 * - the flame graph shown by default: the widest frame of an allocating function.
 * And the words: "leak" only for verdicts, what a site keeps is "retained".
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { VERDICT_PAINT } from '../../src/render/svg/verdict-colours';
import { simulate } from '../../src/simulate/simulate';
import { screenshotDir, withPage } from '../helpers/browser';
import { recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { drawnAreas, LEAK_VERDICTS, legendVerdicts, widestSiteFrame } from '../helpers/prominence';

const dir = tmpDir();

function reportOf(recording: string): string {
  const out = recording.replace(/\.lhp$/, '.html');
  const r = runCli(['report', recording, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

/** The allocating function of each site in the table, with its verdict (the first, most suspicious, of a name). */
async function siteVerdicts(page: Page): Promise<Map<string, string>> {
  const rows = await page.locator('table#groups tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      verdict: tr.getAttribute('data-verdict') ?? '',
      where: tr.querySelector('td:last-child')?.textContent ?? '',
    })),
  );
  const verdicts = new Map<string, string>();
  for (const { verdict, where } of rows) {
    const name = where.replace(/ \(.*$/, '');
    if (!verdicts.has(name)) verdicts.set(name, verdict);
  }
  return verdicts;
}

/** Every prominent place of the report belongs to a leak site; `leak` and `cache` name a leak site and the bounded cache. */
async function assertLeaksFirst(page: Page, leak: string, cache: string): Promise<void> {
  const verdicts = await siteVerdicts(page);
  assert.equal(verdicts.get(cache), 'bounded', `the cache is bounded: ${JSON.stringify([...verdicts])}`);
  assert.ok(LEAK_VERDICTS.includes(verdicts.get(leak) ?? ''), `${leak} is a leak site`);

  assert.ok(
    LEAK_VERDICTS.includes((await page.locator('table#groups tbody tr').first().getAttribute('data-verdict')) ?? ''),
    'the first row of the table',
  );

  const first = page.locator('#timeline svg.lh-chart').first();
  assert.ok(await first.isVisible());
  const legend = await legendVerdicts(first);
  assert.ok(LEAK_VERDICTS.includes(legend[0] ?? ''), `the first legend entry: ${legend}`);
  assert.match((await first.locator('g.lh-legend-item text').first().textContent()) ?? '', /^leak(-freed-at-exit)?: /);
  const areas = await drawnAreas(first);
  assert.ok(LEAK_VERDICTS.includes(areas[0].verdict ?? ''), `the area drawn first: ${JSON.stringify(areas[0])}`);
  const largest = areas.reduce((a, b) => (b.px2 > a.px2 ? b : a));
  assert.ok(LEAK_VERDICTS.includes(largest.verdict ?? ''), `the largest area: ${JSON.stringify(areas)}`);
  assert.ok(largest.px2 > 1000, `the leak is drawn, not a hairline: ${largest.px2} px²`);
  for (const chart of await page.locator('#timeline svg.lh-chart').all()) {
    const bottom = (await drawnAreas(chart))[0];
    assert.ok(
      LEAK_VERDICTS.includes(bottom.verdict ?? ''),
      `every timeline stacks a leak at the bottom: ${bottom.label}`,
    );
  }
  // the legend of every timeline says each site's verdict
  for (const item of await page.locator('#timeline g.lh-legend-item[data-verdict]').all()) {
    assert.match((await item.textContent()) ?? '', /^(leak|leak-freed-at-exit|unclear|bounded|temporary): /);
  }

  const leakFlame = page.locator('#flame .flame-leaks svg.lh-flame');
  assert.ok(await leakFlame.isVisible(), 'the flame graph of the leak sites shows first');
  assert.equal(await page.locator('#flame .flame-all svg.lh-flame').isVisible(), false);
  const widest = await widestSiteFrame(leakFlame, verdicts);
  assert.ok(widest && LEAK_VERDICTS.includes(widest.verdict), `the widest frame: ${JSON.stringify(widest)}`);
  assert.equal(await leakFlame.locator('g.lh-frame', { hasText: cache }).count(), 0, 'no cache in it');

  // the switch, without script: every byte never freed, the cache's too
  await page.locator('#flame label', { hasText: 'all never freed' }).click();
  const allFlame = page.locator('#flame .flame-all svg.lh-flame');
  assert.ok(await allFlame.isVisible());
  assert.equal(await leakFlame.isVisible(), false);
  assert.ok((await allFlame.locator('g.lh-frame', { hasText: cache }).count()) > 0, 'the cache is never freed');
  await page.locator('#flame label', { hasText: 'retained by the leak sites' }).click();
  assert.ok(await leakFlame.isVisible());
}

/**
 * Each site's chart splits retained and freed as its verdict weighs them: a leak site's
 * retained part, in its verdict's colour, outweighs what it freed; a temporary site
 * retains nothing; a bounded site's retained part is blue.
 */
async function assertSiteCharts(page: Page): Promise<void> {
  const sections = await page.locator('section.group').all();
  assert.ok(sections.length > 3);
  for (const section of sections) {
    const verdict = (await section.getAttribute('data-verdict')) as keyof typeof VERDICT_PAINT;
    const chart = section.locator('svg.lh-chart');
    const [retained, freed] = await drawnAreas(chart);
    assert.deepEqual([retained.label, freed.label], ['retained (alive at the end of the work)', 'freed']);
    const fill = await chart.locator('path.lh-area').first().getAttribute('fill');
    assert.ok(VERDICT_PAINT[verdict].shades.includes(fill ?? ''), `${verdict}: retained drawn ${fill}`);
    const what = `${verdict} ${await section.locator('h3').textContent()}: ${retained.px2} vs ${freed.px2} px²`;
    if (LEAK_VERDICTS.includes(verdict)) assert.ok(retained.px2 > freed.px2, what);
    if (verdict === 'temporary') assert.equal(retained.px2, 0, what);
  }
}

async function assertWords(page: Page): Promise<void> {
  const text = (await page.locator('body').textContent()) ?? '';
  assert.doesNotMatch(text, /leaked/i, '"leak" is a verdict: a byte is never freed, or retained');
  assert.match(text, /never freed/);
}

/** The report of `recording`, opened in chromium: leaks first, the site charts' split, the words. */
async function checkReport(recording: string, leak: string, cache: string, screenshot: string): Promise<void> {
  const report = reportOf(recording);
  await withPage(
    async (page) => {
      await page.goto(`file://${report}`);
      await assertLeaksFirst(page, leak, cache);
      await assertSiteCharts(page);
      await assertWords(page);
    },
    { screenshot: path.join(screenshotDir(), screenshot) },
  );
}

describe('leakhound report: the leak sites are what the page shows first', () => {
  test('the demo: the leaks, not the bounded cache_insert, in the table, the timeline and the flame graph', async () => {
    const demo = path.join(dir, 'demo.lhp');
    simulate({ output: demo, allocations: 100_000, seed: 1 });
    await checkReport(demo, 'session_new', 'cache_insert', 'report-verdict-first.png');
  });

  test('a native program, recorded at default settings: its small leak beside a cache ten times bigger', {
    skip: process.platform !== 'linux' && 'the native recorder is Linux-only',
  }, async () => {
    const recording = path.join(dir, 'leak-beside-cache.lhp');
    const rec = recordCommand(recording, [buildFixture('leak-beside-cache')]);
    assert.equal(rec.code, 0, rec.stderr);
    await checkReport(recording, 'audit_record_new', 'cache_insert', 'report-verdict-first-native.png');
  });
});
