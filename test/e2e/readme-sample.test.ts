/** The README's sample output is what the tool prints today. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runCli, tmpDir } from '../helpers/helpers';

/** The fenced block after `marker` in the README, its lines. */
function sampleAfter(marker: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `the README has "${marker}"`);
  const block = /```\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, 'a fenced block follows');
  return block[1].trimEnd().split('\n');
}

test("the README's analyze sample is the start of what analyze prints for the demo", () => {
  const dir = tmpDir();
  assert.equal(runCli(['simulate', '-o', 'demo.lhp'], { cwd: dir }).code, 0);
  const r = runCli(['analyze', 'demo.lhp'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const sample = sampleAfter('`analyze demo.lhp` prints');
  assert.equal(sample.at(-1), '…', 'the sample says it is cut');
  const shown = sample.slice(0, -1);
  assert.deepEqual(r.stdout.split('\n').slice(0, shown.length), shown);
});
