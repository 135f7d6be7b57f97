import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI, ROOT, tmpDir } from '../helpers/helpers';

/**
 * The inputs that broke the reader before issue 15 (fixtures/reliability/README.md):
 * mutated recordings that threw "internal error", hung, or took gigabytes, and
 * hand-made ones with ids the format allows but the loader choked on. Each must now
 * load (what is sound, with a warning if need be) or be refused in one line, in memory
 * bounded by its size.
 */
const INPUTS = path.join(ROOT, 'test', 'fixtures', 'reliability');
const MAX_RSS = path.join(ROOT, 'test', 'helpers', 'max-rss.cjs');
/** Node itself and the code take about 70 MiB; the file may cost a few dozen times its size. */
const BASE_RSS_KIB = 192 << 10;
const RSS_PER_FILE_BYTE = 64 / 1024;
const HANG_GUARD_MS = 60_000;

/** What some inputs must give; the others must give a clean load or a clean refusal, either way. */
const EXPECTED: Record<string, { loads: number } | { refused: RegExp }> = {
  'frame-id-4e9.lhp': { loads: 50 },
  'stack-id-4e9.lhp': { loads: 51 },
  'sparse-stack-1000.lhp': { loads: 100 },
  'sparse-stacks-0-2.lhp': { loads: 100 },
  'stacks-from-1.lhp': { loads: 100 },
  'symbol-inline-blowup.lhp': { loads: 50 },
  'ansi.lhp': { loads: 50 },
  'module-fifo.lhp': { loads: 50 },
  'bomb-1500M.lhp.zst': { refused: /is not a recording: .* \(a decompression bomb\?\)$/ },
  'bomb-1500M.heaptrack.zst': { refused: /is not a recording: .* \(a decompression bomb\?\)$/ },
  'zstd-window-1.9GiB.lhp': { refused: /is corrupt: a zstd frame asks for a window of 2013265920 bytes/ },
  'natz-295-mem.bin': { refused: /is corrupt: a zstd frame asks for a window/ },
  'simz-749-mem.bin': { refused: /is corrupt: a zstd frame asks for a window/ },
  // found by npm run fuzz after the others were fixed: fzstd touched all of a 64 MiB window
  'zstd-window-over-content.lhp.zst': {
    refused: /is corrupt: a zstd frame asks for a window of 67108864 bytes for 17858688 bytes of content$/,
  },
};

const inputs = fs.readdirSync(INPUTS).filter((name) => name !== 'README.md');

test('every input of the reliability set is a real file of the set', () => {
  assert.ok(inputs.length >= 20, `${inputs.length} inputs`);
  for (const name of Object.keys(EXPECTED)) assert.ok(inputs.includes(name), name);
});

for (const name of inputs) {
  test(`analyze --json ${name}: a clean load or a one-line refusal, in bounded memory`, () => {
    const file = path.join(INPUTS, name);
    const rssFile = path.join(tmpDir(), 'rss');
    const r = spawnSync(process.execPath, ['--require', MAX_RSS, CLI, 'analyze', '--json', file], {
      encoding: 'utf8',
      env: { ...process.env, LEAKHOUND_TEST_MAX_RSS: rssFile },
      timeout: HANG_GUARD_MS,
      killSignal: 'SIGKILL',
    });
    assert.notEqual(r.signal, 'SIGKILL', `analyze ${name} did not finish`);
    assert.doesNotMatch(r.stderr, /internal error| {4}at /, r.stderr);
    const expected = EXPECTED[name];
    if (r.status === 0) {
      const json = JSON.parse(r.stdout) as { groups: { totalCount: number }[] };
      assert.ok(!expected || 'loads' in expected, `${name} loaded, but should be refused: ${r.stdout.slice(0, 200)}`);
      if (expected)
        assert.equal(
          json.groups.reduce((n, g) => n + g.totalCount, 0),
          expected.loads,
        );
    } else {
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^leakhound: .*${name.replace(/\./g, '\\.')}`));
      assert.ok(!expected || 'refused' in expected, `${name} was refused, but should load: ${r.stderr}`);
      if (expected) assert.match(lines[0], expected.refused);
    }
    const rssKiB = Number(fs.readFileSync(rssFile, 'utf8'));
    const limit = BASE_RSS_KIB + RSS_PER_FILE_BYTE * fs.statSync(file).size;
    assert.ok(rssKiB <= limit, `${name}: peak ${rssKiB} KiB, more than ${Math.round(limit)} KiB`);
  });
}

test('columns are sized to what a compressed recording holds, not to a guess of its expansion', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'run.lhp');
  const made = spawnSync(process.execPath, [CLI, 'simulate', '-o', file, '--allocations', '200k', '--compress'], {
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  // typed arrays count in arrayBuffers whether their pages were touched or not: address space under a ulimit
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const p = require(${JSON.stringify(path.join(ROOT, 'dist', 'api', 'load'))}).loadSync(${JSON.stringify(file)});
      console.log(JSON.stringify({ count: p.columns.count, arrayBuffers: process.memoryUsage().arrayBuffers }))`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const { count, arrayBuffers } = JSON.parse(r.stdout) as { count: number; arrayBuffers: number };
  assert.ok(count > 190_000, `${count} allocations`);
  const COLUMN_BYTES = 46;
  assert.ok(
    arrayBuffers <= 3 * count * COLUMN_BYTES + (8 << 20),
    `${arrayBuffers} bytes of typed arrays for ${count} allocations`,
  );
});
