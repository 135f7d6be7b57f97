import type { Profile, Series } from '../profile/profile';
import { formatBytes, formatRate } from '../util/units';
import { rise, RULES } from './classify';
import { trendOf } from './evidence';
import { evenOn, Windows } from './windows';
import { mannKendall } from './stats';

/**
 * Memory no allocation site accounts for: the Node.js recorder's heap sampler sees
 * only the JS heap, not the backing stores of Buffers and ArrayBuffers. Series name →
 * what it measures, for the explanation.
 */
const UNATTRIBUTED_SERIES: Record<string, string> = {
  external: 'external memory (Buffers, ArrayBuffers and other memory outside the JS heap)',
  'array-buffers': 'ArrayBuffer memory (the backing stores of Buffers and typed arrays, part of external memory)',
};

/** A verdict on a memory series that no allocation site accounts for. */
export interface UnattributedGrowth {
  /** The series: `external` or `array-buffers`. */
  series: string;
  /** `leak`: grows steadily through the work; `unclear`: over its later half only; `bounded`: rose, then levelled off; `no-leak`: did not grow. */
  verdict: 'leak' | 'unclear' | 'bounded' | 'no-leak';
  /** Theil–Sen slope while the program worked (0 unless `leak` or `unclear`). */
  growthBytesPerSecond: number;
  /** The first sample. */
  startBytes: number;
  /** When the work ended (see the exit window). */
  endBytes: number;
  explanation: string;
}

/** A verdict for each series of memory outside the allocation sites' reach that the profile has. */
export function unattributedGrowth(profile: Profile, windows: Windows): UnattributedGrowth[] {
  const found: UnattributedGrowth[] = [];
  for (const [name, label] of Object.entries(UNATTRIBUTED_SERIES)) {
    const series = profile.series.get(name);
    if (series && series.value.length > 0) found.push(judge(name, label, series, windows));
  }
  return found;
}

/** The same trend rules as a group's live bytes, on the series sampled at the same instants. */
function judge(name: string, label: string, series: Series, windows: Windows): UnattributedGrowth {
  const { wall, work } = evenOn(windows.clock, windows.work.workEnd, windows.points);
  const values = valuesAt(series, wall);
  const trend = trendOf(work, values, windows);
  const { risingLate, steady } = rise(trend, work);
  const startBytes = series.value[0];
  const endBytes = values[values.length - 1];
  const finding = (
    verdict: UnattributedGrowth['verdict'],
    ratePerNs: number,
    explanation: string,
  ): UnattributedGrowth => ({
    series: name,
    verdict,
    growthBytesPerSecond: ratePerNs * 1e9,
    startBytes,
    endBytes,
    explanation,
  });

  if (steady) {
    const rate = formatRate(trend.slopeAll * 1e9);
    return finding(
      'leak',
      trend.slopeAll,
      `${label} grew ${formatBytes(endBytes - startBytes)} at ${rate} through the run (${formatBytes(startBytes)} → ${formatBytes(endBytes)}); ` +
        'the heap sampler cannot attribute it to an allocation site — take a heap snapshot ' +
        '(record --heap-snapshot-on-dump, then leakhound dump <pid>) to find what holds the Buffers',
    );
  }
  if (risingLate) {
    return finding(
      'unclear',
      trend.slopeLate,
      `${label} rose over the later half only (${formatRate(trend.slopeLate * 1e9)}): a longer run would tell a leak from a cache still filling up`,
    );
  }
  // Rose at some point (a significant trend over the whole work, by a share of its level), then stopped.
  const rose =
    mannKendall(values) >= RULES.zSignificant &&
    trend.meanLate - startBytes >= RULES.minRelativeGrowth * Math.max(trend.meanLate, 1);
  if (rose) {
    return finding(
      'bounded',
      0,
      `${label} rose from ${formatBytes(startBytes)}, then levelled off at ${formatBytes(endBytes)} (peak ${formatBytes(Math.max(...values))})`,
    );
  }
  return finding(
    'no-leak',
    0,
    `${label} shows no lasting growth (${formatBytes(startBytes)} at the start, ${formatBytes(endBytes)} when the work ended)`,
  );
}

/** The latest sample at or before each instant (the first sample before it); samples come in time order. */
function valuesAt(series: Series, time: Float64Array): Float64Array {
  const values = new Float64Array(time.length);
  let s = 0;
  for (let k = 0; k < time.length; k++) {
    while (s + 1 < series.time.length && series.time[s + 1] <= time[k]) s++;
    values[k] = series.value[s];
  }
  return values;
}
