import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketedSeries } from '../../../src/diagnose/bucketed-series';
import { memoryTrend, MemoryVerdict } from '../../../src/diagnose/memory-trend';
import { theilSenInterval } from '../../../src/diagnose/stats';
import { prng } from '../../../src/simulate/prng';

const MiB = 1 << 20;

/** A series sampled every second for `seconds`, through the same buckets `watch` keeps. */
function judged(seconds: number, bytesAt: (t: number) => number) {
  const series = new BucketedSeries(64);
  for (let t = 0; t < seconds; t++) series.add(t, bytesAt(t));
  return memoryTrend(series.points());
}

const verdictOf = (seconds: number, bytesAt: (t: number) => number): MemoryVerdict => judged(seconds, bytesAt).verdict;

test('steady growth under noise is growing, at its rate, inside its 95 % interval', () => {
  const noise = prng(1);
  const rate = (8 * MiB) / 60; // 8 MiB/min, seed 000's fuzzer
  const trend = judged(600, (t) => 200 * MiB + rate * t + noise() * 2 * MiB);
  assert.equal(trend.verdict, 'growing');
  assert.ok(Math.abs(trend.bytesPerSecond - rate) < 0.05 * rate, `rate ${trend.bytesPerSecond} vs ${rate}`);
  assert.ok(
    trend.bytesPerSecondLow <= rate && rate <= trend.bytesPerSecondHigh,
    `${trend.bytesPerSecondLow}..${trend.bytesPerSecondHigh}`,
  );
  assert.ok(trend.confidence > 0.8, `confidence ${trend.confidence}`);
  assert.match(trend.explanation, /MiB\/min/);
});

test('a cache that fills up and stays full is a plateau, not growth', () => {
  const noise = prng(2);
  assert.equal(
    verdictOf(600, (t) => 100 * MiB + Math.min(t, 250) * 200_000 + noise() * 100_000),
    'plateau',
  );
});

test('a garbage-collected sawtooth on a flat floor is stable; on a rising floor it is growing', () => {
  const tooth = (t: number) => (t % 17) * 3 * MiB; // each cycle grows 48 MiB and drops back
  assert.equal(
    verdictOf(600, (t) => 150 * MiB + tooth(t)),
    'stable',
  );
  assert.equal(
    verdictOf(600, (t) => 150 * MiB + tooth(t) + t * 200_000),
    'growing',
  );
});

/** A watch's samples as recorded (`watch --json`: seconds, RSS in KiB), judged as `watch` judges them. */
function recorded(seconds: number[], kib: number[]) {
  const series = new BucketedSeries(64);
  for (const [i, t] of seconds.entries()) series.add(t, kib[i] * 1024);
  return memoryTrend(series.points());
}

test("issue 15's sawtooth (46, 53, 61, 68, 54, 61, 69, 63, 63, 69 MiB over 8 s) is not growing", () => {
  const mib = [46, 53, 61, 68, 54, 61, 69, 63, 63, 69];
  const trend = recorded(
    mib.map((_, i) => i * 0.8),
    mib.map((m) => m * 1024),
  );
  assert.equal(trend.verdict, 'stable', trend.explanation);
});

// test/fixtures/node/buffer-ring.js (the last 10 of its 1 MiB Buffers kept) watched for
// 8 s at --interval 0.25: the run that `watch` called growing with confidence 0.48.
const RING_SECONDS = [
  0, 0.26, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.26, 3.5, 3.75, 4, 4.25, 4.5, 4.75, 5, 5.25, 5.5,
  5.77, 6, 6.25, 6.5, 6.76, 7, 7.25, 7.5, 7.75, 8, 8.25,
];
const RING_KIB = [
  14392, 42036, 44396, 46452, 49540, 51672, 54768, 56836, 59924, 61984, 65072, 67132, 70228, 72284, 74344, 56000, 58052,
  61124, 63176, 66252, 68300, 70352, 73428, 75476, 65148, 65148, 65148, 65148, 65148, 68220, 70268, 73340, 75388, 74980,
];

test('a rise within the sawtooth (at most twice its largest fall), still rising at the end, is unclear: watch longer', () => {
  const trend = recorded(RING_SECONDS, RING_KIB);
  assert.equal(trend.verdict, 'unclear', trend.explanation);
  assert.match(trend.explanation, /no more than 2 × the most it fell at once \(17\.\d MiB\).*watch longer$/);
  assert.ok(trend.bytesPerSecond > 0, 'the rate is still given');
});

test('the same sawtooth over a leak (every 2nd Buffer kept: 5 MiB/s) is growing', () => {
  const seconds = [
    0.01, 0.26, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.76, 3, 3.25, 3.5, 3.75, 4, 4.25, 4.5, 4.75, 5, 5.25, 5.5,
    5.75, 6, 6.25, 6.5, 6.75, 7, 7.25, 7.5, 7.75, 8, 8.25,
  ];
  const kib = [
    18400, 21764, 43432, 45488, 47548, 50644, 52768, 55872, 57932, 61020, 63076, 66168, 68236, 70292, 73380, 64420,
    67376, 69424, 71476, 74552, 71440, 74512, 76560, 79632, 81680, 83728, 86800, 88848, 90488, 90488, 90492, 90492,
    90496, 92548,
  ];
  assert.equal(recorded(seconds, kib).verdict, 'growing');
});

test('a rise within the sawtooth that levels off is stable: the floor did not rise', () => {
  // the ring's run again, its last second replaced by the floor it had fallen to
  const levelled = RING_KIB.map((k, i) => (RING_SECONDS[i] > 7 ? 65148 : k));
  const trend = recorded(RING_SECONDS, levelled);
  assert.equal(trend.verdict, 'stable', trend.explanation);
  assert.match(trend.explanation, /the most it fell at once/);
});

test('growth the points hardly support (flat for two thirds of the watch, then rising) is unclear, not growing', () => {
  const series = new BucketedSeries(64);
  for (let t = 0; t < 20; t += 0.5) series.add(t, 100 * MiB + Math.max(0, t - 13) * MiB);
  const trend = memoryTrend(series.points());
  assert.equal(trend.verdict, 'unclear', trend.explanation);
  assert.ok(trend.confidence < 0.5, `confidence ${trend.confidence}`);
  assert.match(trend.explanation, /watch longer$/);
});

test('growth only while warming up, then flat, is stable', () => {
  const noise = prng(3);
  assert.equal(
    verdictOf(600, (t) => (t < 30 ? t * 4 * MiB : 120 * MiB) + noise() * 50_000),
    'stable',
  );
});

test('one more page now and then in a quiet process is not growth', () => {
  // a confident "no growth": neither growing nor unclear
  const bumped = verdictOf(600, (t) => 50 * MiB + (t > 300 ? 4096 : 0));
  assert.ok(['stable', 'plateau'].includes(bumped), bumped);
  assert.equal(
    verdictOf(600, () => 50 * MiB),
    'stable',
  );
});

test('memory that shrinks is stable', () => {
  assert.equal(
    verdictOf(300, (t) => 300 * MiB - (t * MiB) / 4),
    'stable',
  );
});

test('too few points is warming up, without a rate', () => {
  const trend = judged(6, (t) => t * MiB);
  assert.equal(trend.verdict, 'warming up');
  assert.equal(trend.bytesPerSecond, 0);
});

test('buckets: a day of samples keeps at most their capacity, and their means keep the slope', () => {
  const series = new BucketedSeries(64);
  for (let t = 0; t < 86_400; t++) series.add(t, 1000 + 3 * t);
  const { time, value } = series.points();
  assert.ok(time.length <= 64 && time.length >= 32, `${time.length} buckets`);
  assert.equal(series.sampleCount, 86_400);
  assert.equal(series.last, 1000 + 3 * 86_399);
  for (let i = 0; i < time.length; i++) assert.equal(value[i], 1000 + 3 * time[i]);
  for (let i = 1; i < time.length; i++) assert.ok(time[i] > time[i - 1]);
});

test("Sen's interval brackets the slope and narrows with more points", () => {
  const noise = prng(4);
  const x = Array.from({ length: 60 }, (_, i) => i);
  const y = x.map((t) => 5 * t + noise() * 20);
  const wide = theilSenInterval(x.slice(0, 15), y.slice(0, 15));
  const narrow = theilSenInterval(x, y);
  assert.ok(narrow.low <= narrow.slope && narrow.slope <= narrow.high);
  assert.ok(narrow.low < 5 && 5 < narrow.high, `${narrow.low}..${narrow.high}`);
  assert.ok(narrow.high - narrow.low < wide.high - wide.low);
});
