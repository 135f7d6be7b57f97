/**
 * The native verdict fixtures and what each must give, recorded in full and sampled
 * (`--sample SAMPLE`): shared by the end-to-end tests (test/e2e/record-native.test.ts
 * and record-native-sampled.test.ts, each once) and the stress suite
 * (test/stress/native-verdicts.test.ts, each 5 times beside a CPU hog).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertCulprit, assertNoLeakGroup, summary } from './assert-culprit';
import { AnalysisJson, analyzeJson, CliResult, recordCommand } from './helpers';
import { fixtureSource } from './native-fixtures';

export interface NativePatternCase {
  /** test/fixtures/native/<fixture>.c or .cpp. */
  fixture: string;
  /** The case's name, when the fixture is built another way (`build`). */
  name?: string;
  /** Compiler flags after the defaults. */
  build?: string[];
  /** record's exit code (the program's); 0 unless given. */
  exitCode?: number;
  /** The profile that holds the pattern, when not the main one: the forked child's. */
  profile?: 'process';
  overall: 'leak' | 'no-leak';
  verdict?: 'leak' | 'leak-freed-at-exit' | 'bounded';
  culprit?: string | RegExp;
  /** How deep in the group's stack the culprit may be (assertCulprit's default, 3, unless given). */
  depth?: number;
  what: string;
  /**
   * The sampled recording's work scale: FIXTURE_SCALE (fixture.h), SAMPLED_SCALE unless
   * given; enough samples of the pattern at SAMPLE to judge it, in a few seconds.
   */
  sampledScale?: number;
  /** A leak of a few samples' worth even so: sampled, its culprit may be `unclear`, with the advice to record in full. */
  fewSamples?: true;
}

/** The sampled recordings' rate: one allocation recorded per 64 KiB allocated, on average. */
export const SAMPLE = '64k';
export const SAMPLE_BYTES = 64 * 1024;
/**
 * The work scale of a sampled recording unless the case gives its own: a fixture's
 * leak of 3,000 64-byte blocks is 192 KiB, 3 samples at 64k; at 32 it is 6 MiB, about 90.
 */
export const SAMPLED_SCALE = 32;

export const caseName = (c: NativePatternCase): string => c.name ?? c.fixture;

/** What the case must give, for a test's name: `leak in session_new`, `no-leak`. */
export const expectedOf = (c: NativePatternCase): string =>
  c.verdict && c.culprit
    ? `${c.verdict} in ${typeof c.culprit === 'string' ? c.culprit : c.culprit.source}`
    : c.overall;

export const NATIVE_PATTERNS: NativePatternCase[] = [
  {
    fixture: 'linear',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'session_new',
    what: 'a session per request, never freed',
  },
  {
    fixture: 'rare',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'request_context_new',
    what: 'one context in 1,000 kept, from the same call site as the 399,600 freed',
    sampledScale: 4, // 1,600 survivors, 212 KiB: a few samples
    fewSamples: true,
  },
  {
    fixture: 'exit',
    overall: 'leak',
    verdict: 'leak-freed-at-exit',
    culprit: 'connection_remember',
    what: 'connections kept all run, freed by a shutdown hook',
  },
  {
    fixture: 'realloc',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'log_append',
    what: 'a log buffer grown by realloc, never freed',
  },
  {
    fixture: 'cache',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'cache_insert',
    what: 'a full cache evicting its oldest entry',
    sampledScale: 16, // each insert scans the cache: the work grows with the scale squared
  },
  {
    fixture: 'leak-beside-cache',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'audit_record_new',
    what: 'a small leak beside a bounded cache ten times bigger',
  },
  {
    fixture: 'pool',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'pool_grow',
    what: 'a pool at its high-water mark after the first 10 %',
    sampledScale: 16, // each request takes up to the high-water mark's blocks: work grows with the scale squared
  },
  {
    fixture: 'threads',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'worker_leak',
    what: 'one of four threads keeps a record per request',
  },
  {
    fixture: 'cpp',
    overall: 'leak',
    verdict: 'leak',
    culprit: /^Registry::add\b/,
    what: 'C++ operator new in a member function, demangled',
  },
  {
    fixture: 'strdup',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'name_copy',
    what: 'strings from strdup() kept',
    sampledScale: 64, // 20-byte strings
  },
  // malloc called inside libc (no frame pointers): libc's frames come first, then the caller
  {
    fixture: 'asprintf',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'label_format',
    what: 'strings from asprintf() kept, unwound through libc',
    sampledScale: 64, // 24-byte strings
  },
  {
    fixture: 'churn',
    overall: 'no-leak',
    what: 'only short-lived allocations (malloc, calloc, realloc, strdup)',
    sampledScale: 16,
  },
  {
    fixture: 'linear',
    name: 'nofp',
    build: ['-O2', '-fomit-frame-pointer'],
    overall: 'leak',
    verdict: 'leak',
    culprit: 'session_new',
    what: 'a program built without frame pointers: --unwind auto falls back to DWARF',
  },
  {
    fixture: 'fork',
    profile: 'process',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'child_leak',
    what: "a forked child's leak, in the child's profile",
  },
  {
    fixture: 'callback',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'compare_and_log',
    what: 'a leak inside a callback from libc (qsort)',
    sampledScale: 16, // the leak splits over qsort's many stacks; 1/50 s a scale
  },
  {
    fixture: 'vfork',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'kept_after_vfork',
    what: 'a leak after a vfork child that failed to exec',
  },
  {
    fixture: 'inlined',
    build: ['-O2'],
    overall: 'leak',
    verdict: 'leak',
    culprit: 'node_new',
    what: 'a leak in a function the compiler inlined',
  },
  {
    fixture: 'killed',
    exitCode: 128 + 9,
    overall: 'leak',
    verdict: 'leak',
    culprit: 'orphan_new',
    what: 'a leak until the program is killed by SIGKILL',
    sampledScale: 2, // already 40,000 records of 64 bytes at scale 1
  },
];

/** Profiles `<base>.<pid>.lhp` the processes forked by the recorded program wrote beside `output`. */
export function childProfiles(output: string): string[] {
  const base = path.basename(output, '.lhp');
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.lhp$`);
  return fs
    .readdirSync(path.dirname(output))
    .filter((f) => pattern.test(f))
    .map((f) => path.join(path.dirname(output), f));
}

/** How a case is recorded: every allocation, or sampled (`--sample SAMPLE` at the case's work scale). */
export type RecordingMode = 'full' | 'sampled';

/** The work scale `c` is recorded at, sampled. */
export const sampledScaleOf = (c: NativePatternCase): number => c.sampledScale ?? SAMPLED_SCALE;

/**
 * `leakhound record -o <output> [--sample SAMPLE] -- <binary>` of `c`'s built fixture,
 * at work scale `scale`: the mode's (1 in full) unless given.
 */
export function recordPattern(
  c: NativePatternCase,
  binary: string,
  output: string,
  mode: RecordingMode,
  scale = mode === 'sampled' ? sampledScaleOf(c) : 1,
): CliResult {
  const flags = mode === 'sampled' ? ['--sample', SAMPLE] : [];
  return recordCommand(output, [binary], flags, scale === 1 ? undefined : { FIXTURE_SCALE: String(scale) });
}

/**
 * A recording of `c`'s fixture (record's result, its main profile `output`) gives the
 * expected verdict and culprit. `seen` is handed the analysis before it is checked.
 * Sampled, the analysis says so and at SAMPLE; a case of `fewSamples` may instead
 * leave its culprit `unclear`, saying a recording without --sample would tell.
 */
export function assertNativePattern(
  c: NativePatternCase,
  recorded: CliResult,
  output: string,
  seen?: (a: AnalysisJson) => void,
  mode: RecordingMode = 'full',
): void {
  assert.equal(recorded.code, c.exitCode ?? 0, `record's exit code; stderr: ${recorded.stderr}`);
  const profiles = c.profile ? childProfiles(output) : [output];
  assert.equal(profiles.length, 1, `one ${c.profile ?? 'main'} profile: ${profiles.join(', ')}`);
  const a = analyzeJson(profiles[0]);
  seen?.(a);
  if (mode === 'sampled') {
    assert.equal(a.sampling?.intervalBytes, SAMPLE_BYTES, `sampled at ${SAMPLE}: ${JSON.stringify(a.sampling)}`);
    if (c.fewSamples && c.culprit && a.verdict !== c.overall) {
      const unclear = assertCulprit(a, 'unclear', c.culprit, path.basename(fixtureSource(c.fixture)), c.depth);
      assert.match(unclear.explanation ?? '', /a recording without --sample would tell/, summary(a));
      return;
    }
  }
  assert.equal(a.verdict, c.overall, summary(a));
  if (c.verdict && c.culprit) assertCulprit(a, c.verdict, c.culprit, path.basename(fixtureSource(c.fixture)), c.depth);
  if (c.overall === 'no-leak') assertNoLeakGroup(a);
}
