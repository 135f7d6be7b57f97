/**
 * `record --sample`: what a sampled native recording estimates, against the totals a
 * fixture knows (test/fixtures/native/sampled-mix.c: 4 threads, sizes from 16 B to
 * 64 KiB, blocks freed on another thread, reallocs, one block in 8 kept), and how
 * `analyze` says it is sampled. The sampler's draws are a fixed sequence per thread,
 * so the samples differ between runs only by which thread allocates first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import type { Profile } from '../../src/profile/profile';
import { analyzeJson, recordCommand, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';

const dir = tmpDir('leakhound-sampled-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';
const BLOCK_SITES = new Set(['block_new', 'block_grow']);

/** Bytes (weights) allocated at the fixture's block sites, and of them never freed; the samples. */
function blockTotals(profile: Profile): { allocated: number; neverFreed: number; samples: number } {
  const c = profile.columns;
  const weight = c.weight ?? c.size;
  const atBlockSite = profile.stacks.map((frames) => BLOCK_SITES.has(profile.frames[frames[0]]?.function ?? ''));
  let allocated = 0;
  let neverFreed = 0;
  let samples = 0;
  for (let i = 0; i < c.count; i++) {
    if (!atBlockSite[c.stack[i]]) continue;
    samples++;
    allocated += weight[i];
    if (c.freeTime[i] === Infinity) neverFreed += weight[i];
  }
  return { allocated, neverFreed, samples };
}

describe('leakhound record --sample: a sampled native recording', { skip: LINUX_ONLY }, () => {
  it('estimates the bytes allocated and kept, every sampled free found across threads', () => {
    const output = path.join(dir, 'mix-64k.lhp');
    const r = recordCommand(output, [buildFixture('sampled-mix')], ['--sample', '64k']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /leakhound: wrote .*mix-64k\.lhp \(pid \d+, [\d,]+ sampled allocations\)/);
    const truth = /allocated (\d+) kept (\d+)/.exec(r.stdout);
    assert.ok(truth, r.stdout);
    const [allocated, kept] = [Number(truth[1]), Number(truth[2])];

    const profile = loadSync(output);
    assert.equal(profile.header.options?.samplingInterval, 65536);
    const sampled = blockTotals(profile);
    // 160,000 blocks and 40,000 reallocs, 1.7 GB in all: about 26,000 samples
    assert.ok(sampled.samples > 5000 && sampled.samples < 100_000, `${sampled.samples} samples`);
    const within = (estimate: number, actual: number, share: number, what: string) =>
      assert.ok(Math.abs(estimate / actual - 1) < share, `${what}: estimated ${estimate}, true ${actual}`);
    within(sampled.allocated, allocated, 0.05, 'bytes allocated');
    // a block freed on another thread than its malloc is never taken for kept
    within(sampled.neverFreed, kept, 0.1, 'bytes kept');
    assert.equal(profile.info.unmatchedFrees, 0, 'every recorded free is of a sampled block');
    // every block's allocation is sampled far less often than a full recording records it
    const full = path.join(dir, 'mix-full.lhp');
    assert.equal(recordCommand(full, [buildFixture('sampled-mix')]).code, 0);
    const all = blockTotals(loadSync(full));
    assert.equal(all.allocated, allocated, 'a full recording sees every byte');
    assert.equal(all.neverFreed, kept);
    assert.ok(all.samples > 5 * sampled.samples, `${all.samples} allocations recorded in full`);
  });

  it('analyze says the profile is sampled, at what rate, and that a full recording would tell a small leak', () => {
    const output = path.join(dir, 'mix-512k.lhp');
    assert.equal(recordCommand(output, [buildFixture('sampled-mix')], ['--sample', '512k']).code, 0);
    const a = analyzeJson(output);
    assert.equal(a.sampling?.intervalBytes, 512 * 1024);
    const text = runCli(['analyze', output]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /sampled allocations\)/);
    assert.match(text.stdout, /sampled: one allocation per 512 KiB allocated, on average/);
    assert.match(text.stdout, /a recording without --sample would tell/);
    // a full recording says nothing of sampling
    const full = analyzeJson(path.join(dir, 'mix-full.lhp'));
    assert.equal(full.sampling, undefined);
  });

  it('refuses a rate that is not a size (usage error) and --sample on a node program (one line)', () => {
    for (const bad of ['0', 'fast', '-5']) {
      const r = runCli(['record', '-o', path.join(dir, 'bad.lhp'), '--sample', bad, '--', 'true']);
      assert.equal(r.code, 2, `--sample ${bad}: ${r.stderr}`);
      // the usage error's line, then the CLI's pointer to --help
      assert.match(r.stderr.split('\n')[0], /^error: option '--sample <bytes>' argument '.*' is invalid/);
    }
    const node = runCli(['record', '-o', path.join(dir, 'node.lhp'), '--sample', '64k', '--', 'node', '-e', '0']);
    assert.equal(node.code, 1, node.stderr);
    assert.equal(
      node.stderr.trim(),
      'leakhound: --sample is for native programs: a node program is always sampled (--sampling-interval)',
    );
  });
});
