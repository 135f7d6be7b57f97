/**
 * The Node.js verdict fixtures and what each must give: shared by the end-to-end
 * tests (test/e2e/record-node.test.ts, each fixture twice), the stress suite
 * (test/stress/node-verdicts.test.ts, each 5 times beside a CPU hog) and
 * bench/node-stability.ts (each N times, with the pass rate).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../../src/api/load';
import { assertCulprit, assertNoLeakGroup, summary } from './assert-culprit';
import { AnalysisJson, analyzeJson, ROOT } from './helpers';

export const NODE_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'node');

export interface PatternCase {
  fixture: string;
  overall: 'leak' | 'no-leak';
  verdict?: 'leak' | 'leak-freed-at-exit' | 'bounded';
  culprit?: string;
  /** The culprit frame's file, when not the fixture's own. */
  source?: string;
  /** The profile that holds the pattern, when not the main one: a child process's or a worker thread's. */
  profile?: 'process' | 'thread';
  what: string;
}

/** The verdict fixtures of test/fixtures/node/, each recorded at default settings, as a user records. */
export const NODE_PATTERNS: PatternCase[] = [
  { fixture: 'linear.js', overall: 'leak', verdict: 'leak', culprit: 'rememberRequest', what: 'a linear leak' },
  {
    fixture: 'cache.js',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'cacheValue',
    what: 'an LRU cache that fills up, then plateaus',
  },
  {
    fixture: 'rare.js',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'keepFailedRequest',
    what: 'a rare leak: 1 request in 1000 among a gigabyte of garbage',
  },
  {
    fixture: 'shutdown.js',
    overall: 'leak',
    verdict: 'leak-freed-at-exit',
    culprit: 'trackSession',
    what: 'a leak a shutdown hook clears',
  },
  { fixture: 'listeners.js', overall: 'leak', verdict: 'leak', culprit: 'subscribe', what: 'listeners never removed' },
  {
    fixture: 'intervals.js',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'startHeartbeat',
    what: 'intervals never cleared',
  },
  { fixture: 'concat.js', overall: 'leak', verdict: 'leak', culprit: 'appendLog', what: 'a string grown by +=' },
  { fixture: 'churn.js', overall: 'no-leak', what: 'only temporaries, with a GC sawtooth' },
  {
    fixture: 'ttl-lru.js',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'loadAccount',
    what: 'a short run of an LRU with a TTL, full within a second',
  },
  {
    fixture: 'shutdown-hook.js',
    overall: 'leak',
    verdict: 'leak-freed-at-exit',
    culprit: 'audit',
    what: 'a short run of an array a SIGTERM hook clears',
  },
  {
    fixture: 'packages/express-session.js',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'set',
    source: 'memory.js',
    what: "express 5 with express-session's default MemoryStore (documented to leak)",
  },
  {
    fixture: 'packages/lru-cache.js',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'quote',
    what: 'lru-cache with max, turning over at a constant size',
  },
  {
    fixture: 'packages/node-cache.js',
    overall: 'no-leak',
    verdict: 'bounded',
    culprit: 'search',
    what: 'node-cache with a TTL, replaced four times a second',
  },
  {
    fixture: 'external.js',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'keepBuffer',
    what: 'Buffers kept, small in JS bytes',
  },
  {
    fixture: 'bigsync.js',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'leakSync',
    what: 'a leak in one long synchronous loop (its poll timer starved)',
  },
  {
    fixture: 'worker.js',
    profile: 'thread',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'workerRemember',
    what: "a worker thread's linear leak, in the worker's profile",
  },
  {
    fixture: 'parent.js',
    profile: 'process',
    overall: 'leak',
    verdict: 'leak',
    culprit: 'rememberRequest',
    source: 'linear.js',
    what: "a child node process's linear leak, in the child's profile",
  },
];

/** Profiles `<base>.<pid>.lhp` (processes) and `<base>.<pid>.<thread>.lhp` (worker threads) beside `output`. */
export function siblingsOf(output: string, kind: 'process' | 'thread'): string[] {
  const base = path.basename(output, '.lhp');
  const pattern = new RegExp(`^${base}\\.\\d+${kind === 'thread' ? '\\.\\d+' : ''}\\.lhp$`);
  return fs
    .readdirSync(path.dirname(output))
    .filter((f) => pattern.test(f))
    .map((f) => path.join(path.dirname(output), f));
}

/**
 * A recording of `c`'s fixture, written to `output`, gives the expected verdict and
 * culprit, through the addon. `seen` is handed the analysis before it is checked.
 */
export function assertPattern(c: PatternCase, output: string, seen?: (a: AnalysisJson) => void): void {
  const profiles = c.profile ? siblingsOf(output, c.profile) : [output];
  assert.equal(profiles.length, 1, `one ${c.profile ?? 'main'} profile: ${profiles.join(', ')}`);
  const [profile] = profiles;
  assert.equal(loadSync(profile).header.options?.sampler, 'addon', 'polled through the addon');
  const a = analyzeJson(profile);
  seen?.(a);
  assert.equal(a.verdict, c.overall, summary(a));
  if (c.verdict && c.culprit) assertCulprit(a, c.verdict, c.culprit, c.source ?? path.basename(c.fixture));
  if (c.overall === 'no-leak') assertNoLeakGroup(a);
}
