/**
 * The native verdict fixtures and what each must give: shared by the end-to-end
 * tests (test/e2e/record-native.test.ts, each once) and the stress suite
 * (test/stress/native-verdicts.test.ts, each 5 times beside a CPU hog).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertCulprit, assertNoLeakGroup, summary } from './assert-culprit';
import { AnalysisJson, analyzeJson, CliResult } from './helpers';
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
}

export const caseName = (c: NativePatternCase): string => c.name ?? c.fixture;

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
  { fixture: 'strdup', overall: 'leak', verdict: 'leak', culprit: 'name_copy', what: 'strings from strdup() kept' },
  // malloc called inside libc (no frame pointers): libc's frames come first, then the caller
  {
    fixture: 'asprintf',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'label_format',
    what: 'strings from asprintf() kept, unwound through libc',
  },
  { fixture: 'churn', overall: 'no-leak', what: 'only short-lived allocations (malloc, calloc, realloc, strdup)' },
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

/**
 * A recording of `c`'s fixture (record's result, its main profile `output`) gives the
 * expected verdict and culprit. `seen` is handed the analysis before it is checked.
 */
export function assertNativePattern(
  c: NativePatternCase,
  recorded: CliResult,
  output: string,
  seen?: (a: AnalysisJson) => void,
): void {
  assert.equal(recorded.code, c.exitCode ?? 0, `record's exit code; stderr: ${recorded.stderr}`);
  const profiles = c.profile ? childProfiles(output) : [output];
  assert.equal(profiles.length, 1, `one ${c.profile ?? 'main'} profile: ${profiles.join(', ')}`);
  const a = analyzeJson(profiles[0]);
  seen?.(a);
  assert.equal(a.verdict, c.overall, summary(a));
  if (c.verdict && c.culprit) assertCulprit(a, c.verdict, c.culprit, path.basename(fixtureSource(c.fixture)), c.depth);
  if (c.overall === 'no-leak') assertNoLeakGroup(a);
}
