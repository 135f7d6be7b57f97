/**
 * The native verdict fixtures (test/helpers/native-patterns.ts) recorded as in
 * production: `leakhound record --sample 64k`. Each fixture runs at its work scale
 * (FIXTURE_SCALE, test/fixtures/native/fixture.h: the same program doing K times the
 * work and keeping K times as much), so its pattern holds enough samples to judge.
 * Every one must give the verdict and culprit of a full recording, except the rare
 * leak, which may stay `unclear` if the analysis says a recording without --sample
 * would tell. Each fixture does fixed work; no test asserts a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { summary } from '../helpers/assert-culprit';
import { analyzeJson, CliResult, GroupJson, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import {
  assertNativePattern,
  caseName,
  expectedOf,
  NATIVE_PATTERNS,
  NativePatternCase,
  RecordingMode,
  recordPattern,
  SAMPLE,
  sampledScaleOf,
} from '../helpers/native-patterns';

const dir = tmpDir('leakhound-native-sampled-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

const recordings = new Map<string, { recorded: CliResult; output: string }>();

/** `c` recorded in `mode` at its sampled work scale, once per process: the tests share recordings. */
function recording(c: NativePatternCase, mode: RecordingMode): { recorded: CliResult; output: string } {
  const output = path.join(dir, `${caseName(c)}-${mode}.lhp`);
  let r = recordings.get(output);
  if (!r) {
    const binary = buildFixture(c.fixture, c.build);
    // in full too at the sampled work scale: the truth the samples estimate
    r = { recorded: recordPattern(c, binary, output, mode, sampledScaleOf(c)), output };
    recordings.set(output, r);
  }
  return r;
}

const linear = NATIVE_PATTERNS.find((c) => c.fixture === 'linear' && !c.build)!;
const rare = NATIVE_PATTERNS.find((c) => c.fixture === 'rare')!;

/** The group allocated in `fn`. */
function groupOf(output: string, fn: string): GroupJson {
  const a = analyzeJson(output);
  const g = a.groups.find((group) => group.frames[0]?.function === fn);
  assert.ok(g, `no group allocated in ${fn}; ${summary(a)}`);
  return g;
}

describe(`leakhound record --sample ${SAMPLE}: native programs`, { skip: LINUX_ONLY }, () => {
  describe('verdicts and culprits, one allocation pattern per program, at its work scale', () => {
    for (const c of NATIVE_PATTERNS) {
      const outcome = c.fewSamples ? `${expectedOf(c)}, or unclear` : expectedOf(c);
      it(`${caseName(c)} ×${sampledScaleOf(c)}: ${c.what} → ${outcome}`, () => {
        const { recorded, output } = recording(c, 'sampled');
        assertNativePattern(c, recorded, output, undefined, 'sampled');
      });
    }
  });

  it('sizes stand for the whole heap: a sampled leak counts its bytes, not its samples', () => {
    const sampled = groupOf(recording(linear, 'sampled').output, 'session_new');
    const full = groupOf(recording(linear, 'full').output, 'session_new');
    const ratio = sampled.retainedBytes / full.retainedBytes;
    assert.ok(
      ratio > 2 / 3 && ratio < 3 / 2,
      `retained: sampled ${sampled.retainedBytes} B, full ${full.retainedBytes} B`,
    );
    // 64-byte sessions, one recorded per 64 KiB on average: about one in a thousand
    assert.ok(
      sampled.totalCount * 300 < full.totalCount,
      `samples ${sampled.totalCount}, allocations ${full.totalCount}`,
    );
  });

  it('analyze says the recording is sampled, at what rate, and that a recording without --sample would tell', () => {
    const { output } = recording(rare, 'sampled');
    assert.match(analyzeJson(output).sampling?.explanation ?? '', /a recording without --sample would tell/);
    const text = runCli(['analyze', output]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /sampled allocations\)/);
    assert.match(text.stdout, /sampled: one allocation per 64\.0 KiB allocated, on average/);
    assert.match(text.stdout, /a recording without --sample would tell/);
  });
});
