/** Guards the browser setup the report and UI tests stand on: a real chromium renders, runs scripts, screenshots and reports page errors. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { screenshotDir, withPage } from '../helpers/browser';
import { tmpDir } from '../helpers/helpers';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>browser smoke</title>
<svg width="200" height="50"><rect id="bar" x="10" y="10" width="120" height="30" fill="steelblue"/></svg>
<select id="verdict">
  <option value="all">all</option>
  <option value="leak">leak</option>
  <option value="no-leak">no-leak</option>
</select>
<table>
  <thead><tr><th>group</th><th>verdict</th></tr></thead>
  <tbody>
    <tr data-verdict="leak"><td>a</td><td>leak</td></tr>
    <tr data-verdict="no-leak"><td>b</td><td>no-leak</td></tr>
    <tr data-verdict="no-leak"><td>c</td><td>no-leak</td></tr>
  </tbody>
</table>
<script>
  document.getElementById('verdict').addEventListener('change', (event) => {
    for (const row of document.querySelectorAll('tbody tr')) {
      row.hidden = event.target.value !== 'all' && row.dataset.verdict !== event.target.value;
    }
  });
</script>
`;

/** Writes `html` to a file of its own and returns its file:// URL. */
function pageUrl(html: string): string {
  const file = path.join(tmpDir('leakhound-browser-'), 'page.html');
  fs.writeFileSync(file, html);
  return pathToFileURL(file).href;
}

test('chromium renders an SVG, runs the page script that filters a table, and screenshots it', async () => {
  const screenshot = path.join(screenshotDir(), 'browser-smoke.png');
  fs.rmSync(screenshot, { force: true });
  await withPage(
    async (page) => {
      await page.goto(pageUrl(PAGE));
      const box = await page.locator('svg #bar').boundingBox();
      assert.ok(box, 'the rect is not rendered');
      assert.equal(Math.round(box.width), 120);
      assert.equal(Math.round(box.height), 30);

      const visibleRows = page.locator('tbody tr:visible');
      assert.equal(await visibleRows.count(), 3);
      await page.selectOption('#verdict', 'no-leak');
      assert.equal(await visibleRows.count(), 2);
      await page.selectOption('#verdict', 'leak');
      assert.deepEqual(await visibleRows.locator('td:first-child').allTextContents(), ['a']);
      await page.selectOption('#verdict', 'all');
      assert.equal(await visibleRows.count(), 3);
    },
    { screenshot },
  );
  const png = fs.readFileSync(screenshot);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.ok(png.length > 1000, `a ${png.length}-byte screenshot`);
});

test("a picker without script, as the report's: a label's click checks its radio, and CSS shows that radio's section", async () => {
  const url = pageUrl(`<!doctype html>
<style>.pick { position: absolute; opacity: 0; } .part { display: none; }
#pick-0:checked ~ #part-0, #pick-1:checked ~ #part-1 { display: block; }</style>
<input type="radio" name="part" class="pick" id="pick-0" checked><input type="radio" name="part" class="pick" id="pick-1">
<p><label for="pick-0">first</label> <label for="pick-1">second</label></p>
<div class="part" id="part-0">the first part</div><div class="part" id="part-1">the second part</div>`);
  await withPage(async (page) => {
    await page.goto(url);
    assert.deepEqual(await page.locator('.part:visible').allTextContents(), ['the first part']);
    await page.locator('label[for="pick-1"]').click();
    assert.deepEqual(await page.locator('.part:visible').allTextContents(), ['the second part']);
    // the radios stay reachable from the keyboard: an arrow key moves to the other one
    await page.locator('#pick-1').focus();
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await page.locator('.part:visible').allTextContents(), ['the first part']);
  });
});

test('a page that throws fails withPage, even when the test body passes', async () => {
  const url = pageUrl('<!doctype html><p>hi</p><script>throw new Error("boom from the page")</script>');
  await assert.rejects(
    withPage(async (page) => void (await page.goto(url))),
    (error: Error) => error.message.includes('boom from the page'),
  );
});

test('a console error fails withPage too', async () => {
  const url = pageUrl('<!doctype html><script>console.error("logged by the page")</script>');
  await assert.rejects(
    withPage(async (page) => void (await page.goto(url))),
    (error: Error) => error.message.includes('logged by the page'),
  );
});

test('the page reaches no other host: a report that is not self-contained fails', async () => {
  const url = pageUrl('<!doctype html><script src="https://cdn.example.com/d3.js"></script>');
  await assert.rejects(
    withPage(async (page) => void (await page.goto(url))),
    (error: Error) => /console\.error: .*ERR_NAME_NOT_RESOLVED/.test(error.message),
  );
});
