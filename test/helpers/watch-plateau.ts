/**
 * Issue 15's false `growing`: a node program keeping the last 10 of its 1 MiB
 * Buffers (test/fixtures/node/buffer-ring.js), its RSS a sawtooth over a level floor,
 * watched as the issue watched it (`--interval 0.25`, `--fail-on-leak`), and the
 * same program leaking under the same sawtooth. What `watch` must say of each, at 8 s
 * and at 60 s; shared by test/e2e/watch-plateau.test.ts (npm test),
 * test/stress/watch-plateau.test.ts (beside a CPU hog) and bench/watch-plateau.ts
 * (how often each verdict comes, the false-positive rate of --fail-on-leak).
 */
import * as path from 'node:path';
import { startCli } from './running-record';

export const BUFFER_RING = path.resolve(__dirname, '..', 'fixtures', 'node', 'buffer-ring.js');

export interface WatchScenario {
  name: string;
  /** buffer-ring.js's arguments: step_ms keep_every. */
  args: string[];
  seconds: number;
  /** The right verdicts (docs/WATCH.md). */
  expected: readonly string[];
}

/**
 * Never `growing`. 8 s hold two or three teeth: mostly `unclear` (watch longer) or
 * `stable`; `plateau` when a busy machine slows node's start into the watch (RSS rises
 * from 20 MiB, then saws level).
 */
export const PLATEAU_8S: WatchScenario = {
  name: 'the Buffer plateau, 8 s',
  args: ['100', '0'],
  seconds: 8,
  expected: ['unclear', 'stable', 'plateau'],
};
/**
 * Never `growing`. 60 s: mostly `stable` (a level floor); `plateau` or `unclear` when
 * the sawtooth's high-water mark steps up once, in the middle or late in the watch.
 */
export const PLATEAU_60S: WatchScenario = {
  name: 'the Buffer plateau, 60 s',
  args: ['100', '0'],
  seconds: 60,
  expected: ['stable', 'plateau', 'unclear'],
};
/** Every 2nd Buffer kept: 5 MiB/s under the same sawtooth, its rise in 8 s three teeth tall. */
export const LEAK_8S: WatchScenario = {
  name: 'a leak of 5 MiB/s under the sawtooth, 8 s',
  args: ['100', '2'],
  seconds: 8,
  expected: ['growing'],
};
/** Every 10th Buffer kept: 1 MiB/s, under a tooth in 8 s, several teeth in 60 s. */
export const LEAK_60S: WatchScenario = {
  name: 'a leak of 1 MiB/s under the sawtooth, 60 s',
  args: ['100', '10'],
  seconds: 60,
  expected: ['growing'],
};

export interface WatchOutcome {
  verdict: string;
  confidence: number;
  explanation: string;
  /** watch's exit code (--fail-on-leak: 3 when growing). */
  code: number | null;
  /** The largest drop of RSS from one sample to the next, bytes: the sawtooth showed. */
  largestDrop: number;
  stderr: string;
}

/** `leakhound watch --json --interval 0.25 --duration <s> --fail-on-leak -- node buffer-ring.js <args>`. */
export async function watchScenario(s: WatchScenario): Promise<WatchOutcome> {
  const watch = startCli([
    'watch',
    '--json',
    '--interval',
    '0.25',
    '--duration',
    `${s.seconds}s`,
    '--fail-on-leak',
    '--',
    process.execPath,
    BUFFER_RING,
    ...s.args,
  ]);
  const code = await watch.exited;
  const lines = watch
    .stdout()
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; rss?: number });
  const summary = lines.at(-1) as
    | { type: string; verdict: string; end: string; total: { confidence: number; explanation: string } }
    | undefined;
  if (summary?.type !== 'summary' || summary.end !== 'duration') {
    throw new Error(`${s.name}: no summary of a watch to its --duration (exit ${code}); stderr: ${watch.stderr()}`);
  }
  const rss = lines.filter((l) => l.type === 'sample').map((l) => l.rss!);
  let largestDrop = 0;
  for (let i = 1; i < rss.length; i++) largestDrop = Math.max(largestDrop, rss[i - 1] - rss[i]);
  return {
    verdict: summary.verdict,
    confidence: summary.total.confidence,
    explanation: summary.total.explanation,
    code,
    largestDrop,
    stderr: watch.stderr(),
  };
}

/** `count` watches of a scenario, `parallel` at a time. */
export async function watchRepeatedly(s: WatchScenario, count: number, parallel: number): Promise<WatchOutcome[]> {
  const outcomes: WatchOutcome[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++; // before the await: the other workers see this run taken
      outcomes.push(await watchScenario(s));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return outcomes;
}

/** How a scenario's watches went, in a line: the count of each verdict and of --fail-on-leak's exit 3. */
export function countsLine(s: WatchScenario, outcomes: WatchOutcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.verdict, (counts.get(o.verdict) ?? 0) + 1);
  const verdicts = [...counts].map(([v, n]) => `${v} ${n}`).join(', ');
  const wrong = outcomes.filter((o) => !s.expected.includes(o.verdict));
  const exit3 = outcomes.filter((o) => o.code === 3).length;
  const badExit = outcomes.filter((o) => o.code !== expectedExit(o.verdict)).length;
  const confidences = outcomes.map((o) => o.confidence).sort((a, b) => a - b);
  return (
    `${s.name}: ${outcomes.length} runs: ${verdicts}; ${wrong.length} wrong (expected ${s.expected.join(' or ')}); ` +
    `--fail-on-leak exit 3: ${exit3}${badExit ? `, ${badExit} exits not the verdict's` : ''}; confidence ${confidences[0]}–${confidences.at(-1)}` +
    (wrong.length > 0 ? `; first wrong: ${wrong[0].verdict}, ${wrong[0].explanation}` : '')
  );
}

/** The exit code --fail-on-leak must give for a verdict. */
export function expectedExit(verdict: string): number {
  return verdict === 'growing' ? 3 : 0;
}
