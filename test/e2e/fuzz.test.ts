/**
 * The fuzzer (bench/fuzz, `npm run fuzz`) for a fixed seed: 2,400 mutated recordings,
 * 200 of each committed seed (test/fixtures/fuzz-seeds: simulate, native, Node.js and
 * rss recordings, plain and zstd; heaptrack text plain, gzip and zstd; a .heapprofile), each analyzed in a
 * worker process as `analyze --json` would. Every one must be analyzed or refused in
 * one line, with no internal error, hang or memory blow-up, and the sound ones (ids
 * renumbered as FORMAT.md allows) must analyze as their seed does. The per-input time limit
 * here is a hang guard (10 s), not the 2 s `npm run fuzz` holds inputs to: this suite
 * must pass on a loaded machine. Failing inputs are kept in test-output/fuzz-failures/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFuzz } from '../../bench/fuzz/pool';
import { COMMITTED_SEEDS } from '../../bench/fuzz/seeds';
import { failureGroups, summaryLines } from '../../bench/fuzz/summary';
import { ROOT } from '../helpers/helpers';

const OUT = path.join(ROOT, 'test-output', 'fuzz-failures');
const INPUTS = 2400;

test(`${INPUTS} mutated recordings of every kind: each analyzed or refused in one line, within its time and memory limits`, async (t) => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const summary = await runFuzz({
    seed: 15,
    seeds: COMMITTED_SEEDS,
    inputs: INPUTS,
    durationMs: Infinity,
    timeLimitMs: 10_000,
    memoryBaseBytes: 64 << 20,
    memoryFactor: 50,
    workers: 2,
    outDir: OUT,
  });
  for (const line of summaryLines(summary, OUT)) t.diagnostic(line);

  assert.equal(summary.inputs, INPUTS);
  for (const [seed, counts] of Object.entries(summary.bySeed)) {
    // mutations that only ever refuse, or never do, would not be testing the reader
    assert.ok(counts.ok > 0 && counts.refused > 0, `${seed}: ${counts.ok} analyzed, ${counts.refused} refused`);
  }
  assert.deepEqual(
    failureGroups(summary.failures).map((g) => `${g.count} × ${g.cause} (e.g. ${path.relative(ROOT, g.example.file)})`),
    [],
    `failing inputs and notes in ${OUT}`,
  );
});
