/**
 * Live memory at instants (`liveSeriesAt`): an allocation counts at instant t when
 * allocTime <= t < freeTime, whether the instants are spread evenly (their slots found
 * by a division) or not (a binary search), and where rounding would misplace a time
 * that falls exactly on an instant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnBuilder } from '../../../src/profile/columns';
import { evenInstants, liveSeriesAt } from '../../../src/profile/live-series';

/** Allocations at times drawn from `times` (a fixed sequence), each freed a few instants later or never. */
function columns(times: number[]) {
  const builder = new ColumnBuilder(times.length);
  times.forEach((t, k) => {
    const i = builder.push(16 + k, 16 + k, 0, 0, t);
    if (k % 3 !== 0) builder.columns.freeTime[i] = times[(k * 7) % times.length] + t;
  });
  return builder.finish();
}

/** What the series must hold, instant by instant. */
function naive(c: ReturnType<typeof columns>, time: Float64Array): number[] {
  return Array.from(time, (t) => {
    let bytes = 0;
    for (let i = 0; i < c.count; i++) if (c.allocTime[i] <= t && t < c.freeTime[i]) bytes += c.size[i];
    return bytes;
  });
}

test('even and uneven instants, times on and between them: the live bytes at each', () => {
  const even = evenInstants(0, 10e9, 31); // a step of 10 s / 30: 5 s is instant 15, where ceil(t / step) gives 16
  const uneven = Float64Array.from([0, 1, 2, 50, 51, 400, 401, 9e9, 10e9]);
  for (const time of [even, uneven]) {
    const times = [...Array.from(time), ...Array.from(time, (t) => t + 0.5), 5e9, 3.3e9, 0, 10e9 + 1];
    const c = columns(times);
    assert.deepEqual(Array.from(liveSeriesAt(c, null, time).bytes), naive(c, time));
  }
});
