import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BucketedSeries } from '../src/diagnose/bucketed-series';
import { memoryTrend, MemoryVerdict } from '../src/diagnose/memory-trend';
import { theilSenInterval } from '../src/diagnose/stats';
import { prng } from '../src/simulate/prng';

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
  const rate = 8 * MiB / 60; // 8 MiB/min, seed 000's fuzzer
  const trend = judged(600, (t) => 200 * MiB + rate * t + noise() * 2 * MiB);
  assert.equal(trend.verdict, 'growing');
  assert.ok(Math.abs(trend.bytesPerSecond - rate) < 0.05 * rate, `rate ${trend.bytesPerSecond} vs ${rate}`);
  assert.ok(trend.bytesPerSecondLow <= rate && rate <= trend.bytesPerSecondHigh, `${trend.bytesPerSecondLow}..${trend.bytesPerSecondHigh}`);
  assert.ok(trend.confidence > 0.8, `confidence ${trend.confidence}`);
  assert.match(trend.explanation, /MiB\/min/);
});

test('a cache that fills up and stays full is a plateau, not growth', () => {
  const noise = prng(2);
  assert.equal(verdictOf(600, (t) => 100 * MiB + Math.min(t, 250) * 200_000 + noise() * 100_000), 'plateau');
});

test('a garbage-collected sawtooth on a flat floor is stable; on a rising floor it is growing', () => {
  const tooth = (t: number) => (t % 17) * 3 * MiB; // each cycle grows 48 MiB and drops back
  assert.equal(verdictOf(600, (t) => 150 * MiB + tooth(t)), 'stable');
  assert.equal(verdictOf(600, (t) => 150 * MiB + tooth(t) + t * 200_000), 'growing');
});

test('growth only while warming up, then flat, is stable', () => {
  const noise = prng(3);
  assert.equal(verdictOf(600, (t) => (t < 30 ? t * 4 * MiB : 120 * MiB) + noise() * 50_000), 'stable');
});

test('one more page now and then in a quiet process is not growth', () => {
  assert.notEqual(verdictOf(600, (t) => 50 * MiB + (t > 300 ? 4096 : 0)), 'growing');
  assert.equal(verdictOf(600, () => 50 * MiB), 'stable');
});

test('memory that shrinks is stable', () => {
  assert.equal(verdictOf(300, (t) => 300 * MiB - t * MiB / 4), 'stable');
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
