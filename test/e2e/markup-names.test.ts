/**
 * The HTML report and the web UI show a recording's names as text, never as markup: a real
 * recorded program whose function is named `<svg onload=…>` and whose source file
 * `<img src=x onerror=…>.c`, opened in a real browser. Each payload would set window.pwned.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { withPage } from '../helpers/browser';
import { recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { startServe, stopServers } from '../helpers/serve-client';

const LINUX_ONLY = process.platform !== 'linux' && 'the recorders are Linux-only';
const FUNCTION = '<svg onload=window.pwned=2>';
const FILE = '<img src=x onerror=window.pwned=1>.c';
const dir = tmpDir();
const recording = path.join(dir, 'markup.lhp');

/** No payload ran and none became an element: no pwned flag, no element with an event handler, no img. */
async function assertInert(page: Page): Promise<void> {
  assert.equal(await page.evaluate('typeof window.pwned'), 'undefined');
  assert.equal(await page.locator('[onload], [onerror], img').count(), 0);
}

describe('names that carry markup', { skip: LINUX_ONLY }, () => {
  before(() => {
    const r = recordCommand(recording, [buildFixture('markup-names', ['-gdwarf-4'])]);
    assert.equal(r.code, 0, r.stderr);
    const json = runCli(['analyze', '--json', recording]);
    const frame = (JSON.parse(json.stdout) as { groups: { frames: { function: string; file: string }[] }[] }).groups[0]
      .frames[0];
    // the recording really carries the payloads (symbolized from the binary's own names)
    assert.equal(frame.function, `"${FUNCTION}"`);
    assert.ok(frame.file.endsWith(`/${FILE}`), frame.file);
  });

  after(stopServers);

  test('the HTML report shows them as text', async () => {
    const report = path.join(dir, 'markup.html');
    const r = runCli(['report', recording, '-o', report]);
    assert.equal(r.code, 0, r.stderr);
    await withPage(async (page) => {
      await page.goto(`file://${report}`);
      const text = (await page.locator('body').textContent()) ?? '';
      assert.ok(text.includes(FUNCTION), 'the function name is shown');
      assert.ok(text.includes(FILE), 'the file name is shown');
      await assertInert(page);
    });
  });

  test('the web UI shows them as text: the table, a site, the flame graph, a query result', async () => {
    const { url } = await startServe([recording, '--port', '0']);
    await withPage(async (page) => {
      // localhost: the test browser resolves no other name
      await page.goto(url.replace('127.0.0.1', 'localhost'));
      const row = page.locator('table#groups tbody tr', { hasText: FUNCTION });
      await row.waitFor();
      assert.ok(((await row.textContent()) ?? '').includes(FILE));
      await row.click();
      await page.locator('#group-detail pre.backtrace', { hasText: FUNCTION }).waitFor();
      await page.locator('#flame svg.lh-flame', { hasText: FUNCTION }).waitFor();
      await page.locator('#expression').fill('allocations().groupByBacktrace()');
      await page.locator('form#query button[type=submit]').click();
      await page.locator('#query-result table.query-groups', { hasText: FUNCTION }).waitFor();
      await assertInert(page);
    });
  });
});
