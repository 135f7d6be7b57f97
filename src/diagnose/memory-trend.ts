import { formatBytes, formatPerMinute, formatSeconds } from '../util/units';
import { mannKendall, median, theilSen, theilSenInterval } from './stats';

/**
 * The verdict on a process's resident memory over time (`watch`, and the `rss`
 * series of any recording): what the memory does, not which allocation holds it.
 */
export type MemoryVerdict = 'growing' | 'unclear' | 'plateau' | 'stable' | 'warming up';

/** Every verdict, in this order (one Prometheus series each). */
export const MEMORY_VERDICTS: readonly MemoryVerdict[] = ['growing', 'unclear', 'plateau', 'stable', 'warming up'];

/** Thresholds, all relative to the series itself (docs/WATCH.md explains them). */
export const MEMORY_RULES = {
  /** The first fraction of the time watched is warm-up: loading, JIT, caches filling. */
  warmup: 0.1,
  /** Points after warm-up a verdict needs. */
  minPoints: 8,
  /** Mann–Kendall Z for a significant rise (one-sided 1 %). */
  zSignificant: 2.33,
  /** The rise (first third to last) must exceed this many times the spread within a third (sawtooth, GC). */
  minRiseToNoise: 2,
  /** …and this fraction of the level: RSS moves by whole pages, a quiet process by one now and then. */
  minRelativeRise: 0.005,
  /** Still growing: the last third rises at this fraction of the whole rise's rate at least; less is a plateau. */
  minLateToAllSlope: 0.3,
  /**
   * Growth must rise this many times the largest fall (the sawtooth's tallest tooth):
   * a window can start in a trough and end on a peak, and a program's start adds a
   * tooth of its own. Less is `unclear` while still rising, `stable` once levelled.
   */
  minRiseToFall: 2,
  /** Growth the points support less than this (0..1) is `unclear`: watch longer. */
  minGrowingConfidence: 0.5,
} as const;

export interface MemoryTrend {
  verdict: MemoryVerdict;
  /** Theil–Sen slope after warm-up, and its 95 % confidence interval. */
  bytesPerSecond: number;
  bytesPerSecondLow: number;
  bytesPerSecondHigh: number;
  /** 0..1: how strongly the points support the verdict. */
  confidence: number;
  /** The mean level at the end of warm-up and at the end. */
  startBytes: number;
  endBytes: number;
  /** Time judged (after warm-up), seconds. */
  seconds: number;
  explanation: string;
}

/**
 * Judges points (time in seconds, bytes), e.g. a BucketedSeries' bucket means: the
 * first MEMORY_RULES.warmup of the time is left out; a significant rise above the
 * noise is `growing` while the last third still rises, else `plateau`; growth with low
 * confidence, or a rise within the series' sawtooth (MEMORY_RULES.minRiseToFall), is
 * `unclear`.
 */
export function memoryTrend(points: { time: Float64Array; value: Float64Array }): MemoryTrend {
  const { time, value } = points;
  const n = time.length;
  const from = n > 0 ? time[0] + MEMORY_RULES.warmup * (time[n - 1] - time[0]) : 0;
  let warm = 0;
  while (warm < n && time[warm] < from) warm++;
  const t = time.subarray(warm);
  const v = value.subarray(warm);
  const startBytes = v.length > 0 ? v[0] : 0;
  const endBytes = v.length > 0 ? v[v.length - 1] : 0;
  const seconds = t.length > 1 ? t[t.length - 1] - t[0] : 0;
  const base = { startBytes, endBytes, seconds };
  if (t.length < MEMORY_RULES.minPoints) {
    return {
      ...base,
      verdict: 'warming up',
      bytesPerSecond: 0,
      bytesPerSecondLow: 0,
      bytesPerSecondHigh: 0,
      confidence: 0,
      explanation: `${n} point${n === 1 ? '' : 's'} so far: a verdict needs ${MEMORY_RULES.minPoints} after the first ${MEMORY_RULES.warmup * 100} % of the time`,
    };
  }
  const { slope, low, high } = theilSenInterval(t, v);
  const z = mannKendall(v);
  const level = median(v);
  // Thirds of the time after warm-up: the rise is the change of level from the first
  // to the last; the noise, the spread within each (sawtooth, GC) around its own trend.
  const thirds = [0, 1, 2].map((k) => {
    const a = Math.floor((k * t.length) / 3);
    const b = Math.floor(((k + 1) * t.length) / 3);
    return { t: t.subarray(a, b), v: v.subarray(a, b) };
  });
  const rise = median(thirds[2].v) - median(thirds[0].v);
  const riseRate = rise / Math.max(median(thirds[2].t) - median(thirds[0].t), 1e-9);
  const noise = median(thirds.map((p) => spreadAround(p.t, p.v, theilSen(p.t, p.v))));
  const significant =
    z >= MEMORY_RULES.zSignificant &&
    rise > MEMORY_RULES.minRiseToNoise * noise &&
    rise > MEMORY_RULES.minRelativeRise * level;
  const lateSlope = theilSen(thirds[2].t, thirds[2].v);
  const risingRate = MEMORY_RULES.minLateToAllSlope * Math.max(slope, riseRate);
  const stillRising = lateSlope > 0 && lateSlope >= risingRate;
  // A rise within the sawtooth's teeth: levelled off, the floor did not rise (stable);
  // still rising, it is too soon to tell (unclear).
  const fall = largestFall(v);
  const withinTeeth = rise <= MEMORY_RULES.minRiseToFall * fall;
  const toothText = `rose ${formatBytes(rise)}, no more than ${MEMORY_RULES.minRiseToFall} × the most it fell at once (${formatBytes(fall)})`;
  const trend = { ...base, bytesPerSecond: slope, bytesPerSecondLow: low, bytesPerSecondHigh: high };
  const over = `over ${formatSeconds(seconds)}`;
  if (!significant || (!stillRising && withinTeeth)) {
    const confidence = round(1 - Math.min(1, Math.max(0, z) / MEMORY_RULES.zSignificant) / 2);
    const tooth = significant ? `; it ${toothText}` : '';
    return {
      ...trend,
      verdict: 'stable',
      confidence,
      explanation: `no lasting growth ${over}: ${formatBytes(level)} ± ${formatBytes(noise)}${tooth}`,
    };
  }
  const trendCertainty = Math.min(1, z / (2 * MEMORY_RULES.zSignificant));
  if (stillRising) {
    // the trend test's certainty, and how tight the slope's interval is
    const confidence = round(trendCertainty * Math.max(0, Math.min(1, low / slope)));
    const rate = `${formatPerMinute(slope)} (95 % interval ${formatPerMinute(low)} to ${formatPerMinute(high)}) ${over}`;
    if (withinTeeth)
      return {
        ...trend,
        verdict: 'unclear',
        confidence,
        explanation: `${toothText} ${over}: perhaps its sawtooth; watch longer`,
      };
    if (confidence < MEMORY_RULES.minGrowingConfidence) {
      return {
        ...trend,
        verdict: 'unclear',
        confidence,
        explanation: `rises ${rate}, with confidence ${confidence.toFixed(2)} only; watch longer`,
      };
    }
    return {
      ...trend,
      verdict: 'growing',
      confidence,
      explanation: `grows ${rate}, still rising at the end: ${formatBytes(startBytes)} → ${formatBytes(endBytes)}`,
    };
  }
  return {
    ...trend,
    verdict: 'plateau',
    confidence: round(trendCertainty * (1 - Math.max(0, lateSlope) / risingRate)),
    explanation: `rose from ${formatBytes(startBytes)}, then levelled off at ${formatBytes(median(thirds[2].v))} (${formatPerMinute(lateSlope)} over the last third)`,
  };
}

/** The largest fall: from the top of a run of consecutive decreases to its bottom (0 when the values never fall). */
function largestFall(v: Float64Array): number {
  let largest = 0;
  let top = 0;
  for (let i = 1; i < v.length; i++) {
    if (v[i] >= v[i - 1]) continue;
    if (i === 1 || v[i - 1] >= v[i - 2]) top = v[i - 1];
    largest = Math.max(largest, top - v[i]);
  }
  return largest;
}

/** Robust spread of the points around the line of slope `slope`: 1.4826 × the median absolute deviation. */
function spreadAround(t: Float64Array, v: Float64Array, slope: number): number {
  const residuals = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) residuals[i] = v[i] - slope * t[i];
  const centre = median(residuals);
  for (let i = 0; i < t.length; i++) residuals[i] = Math.abs(residuals[i] - centre);
  return 1.4826 * median(residuals);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
