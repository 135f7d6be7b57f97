/**
 * What the verdict stress suites share: a fixture recorded RUNS times, each run's
 * outcome in a line, the count of each outcome printed
 * (`linear: 5/5 leak, leak @ session_new (linear.c:31)`), the profiles of failed runs
 * kept under KEPT_DIR, and a failure unless every run passed with the same outcome.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { siblingProfiles } from '../../src/format/siblings';
import type { AnalysisJson } from '../helpers/helpers';

export const RUNS = 5;
/** Where the profiles of runs that failed are kept, for `leakhound analyze`. */
export const KEPT_DIR = '/tmp/stress-kept';

export interface Expectation {
  overall: string;
  verdict?: string;
  culprit?: string | RegExp;
  depth?: number;
}

/** A run's outcome: the overall verdict and where the expected group's culprit (or the first leak) is. */
export function outcome(a: AnalysisJson, e: Expectation): string {
  const group =
    a.groups.find((g) => g.verdict === e.verdict) ??
    a.groups.find((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
  if (!group) return a.verdict;
  const culprit = e.culprit;
  const frames = group.frames.slice(0, e.depth ?? 3);
  const frame =
    frames.find((f) => (typeof culprit === 'string' ? f.function === culprit : culprit?.test(f.function))) ??
    group.frames[0];
  return `${a.verdict}, ${group.verdict} @ ${frame?.function || '?'} (${path.basename(frame?.file ?? '') || '?'}:${frame?.line ?? 0})`;
}

export function expected(e: Expectation): string {
  const culprit = typeof e.culprit === 'string' ? e.culprit : e.culprit?.source;
  return `${e.overall}${e.verdict && culprit ? `, ${e.verdict} @ ${culprit}` : ''}`;
}

export interface Run {
  /** The profiles the run wrote (kept when it fails). */
  profiles: string[];
  /** The analysis, when the run got as far. */
  analysis?: AnalysisJson;
  /** The check's failure, if it failed. */
  error?: Error;
}

/** Checks the recording `output` with `check` (handed a callback for the analysis it makes): the run, failed or not. */
export function checkRun(output: string, check: (seen: (a: AnalysisJson) => void) => void): Run {
  let analysis: AnalysisJson | undefined;
  let error: Error | undefined;
  try {
    check((a) => (analysis = a));
  } catch (err) {
    error = err as Error;
  }
  return { profiles: [output, ...siblingProfiles(output)], analysis, error };
}

/**
 * Runs `once` RUNS times, prints the counts of each outcome, keeps failed runs'
 * profiles and fails unless every run passed and all gave the same outcome.
 */
export function repeatFixture(name: string, e: Expectation, once: (run: number) => Run): void {
  const outcomes = new Map<string, number>();
  const failures: string[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const r = once(run);
    const got = r.analysis ? outcome(r.analysis, e) : `no analysis: ${firstLine(r.error)}`;
    outcomes.set(got, (outcomes.get(got) ?? 0) + 1);
    if (r.error) failures.push(`run ${run}: ${r.error.message}\n  kept: ${keepProfiles(name, run, r.profiles)}`);
    for (const f of r.profiles) fs.rmSync(f, { force: true });
  }
  const counts = [...outcomes].map(([got, n]) => `${n}/${RUNS} ${got}`).join('; ');
  console.log(`${name}: ${counts}${failures.length ? `  (expected ${expected(e)})` : ''}`);
  assert.equal(failures.length, 0, `${failures.length} of ${RUNS} runs failed:\n${failures.join('\n')}`);
  assert.equal(outcomes.size, 1, `the outcome changed between runs: ${counts}`);
}

function firstLine(err: Error | undefined): string {
  return (err?.message ?? 'no error').split('\n')[0];
}

/** Copies a failed run's profiles to KEPT_DIR/<name>-run<n>/; says where, or that there were none. */
export function keepProfiles(name: string, run: number, profiles: string[]): string {
  const dir = path.join(KEPT_DIR, `${name.replace(/\W+/g, '-')}-run${run}`);
  const kept = profiles.filter((f) => fs.existsSync(f));
  if (kept.length === 0) return 'no profile';
  fs.mkdirSync(dir, { recursive: true });
  for (const f of kept) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  return `${kept.length} profile(s) in ${dir}`;
}
