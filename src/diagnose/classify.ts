import type { Evidence, Trend } from './evidence';

export type Verdict = 'leak' | 'leak-freed-at-exit' | 'bounded' | 'temporary' | 'unclear';

/** Thresholds, all relative to the run or to the group itself; none is a byte count. */
export const RULES = {
  /** Mann–Kendall Z for a significant rise (one-sided 1 %). */
  zSignificant: 2.33,
  /** Live bytes must grow by this fraction of their mean over the later half to count as rising. */
  minRelativeGrowth: 0.1,
  /**
   * …and, in a sampled recording, by this many times the sampling noise of that mean:
   * more than a test of independent points would ask, as neighbouring points share
   * their error (the objects that carry samples are replaced slowly).
   */
  samplingNoiseMargin: 4,
  /** Each third of the run after warm-up must hold this share of the survivors for them to be "allocated throughout". */
  minThirdShare: 0.15,
  /** Fewer survivors than this after warm-up cannot show a spread. */
  minSpreadSurvivors: 6,
  /** Live bytes must rise at least at this fraction of the survivors' accumulation rate: otherwise something else is freed. */
  minLiveToSurvivorSlope: 0.5,
  /** A steady rise also rises over the first half, at this fraction of the later half's rate. */
  minEarlyToLateSlope: 0.3,
  /** Survivors mostly freed (after the work ended): freed at exit. */
  freedAtExitShare: 0.5,
} as const;

export interface Classification {
  verdict: Verdict;
  /** How the verdict was reached, for the explanation. */
  reason:
    | 'no-survivors'
    | 'survivors-throughout'
    | 'steady-growth'
    | 'late-growth'
    | 'few-survivors'
    | 'plateau'
    | 'start-up'
    | 'no-lifetimes';
  /** Growth of retained memory, bytes/ns (0 unless leak-like). */
  rate: number;
  /** 0..1: how strongly the evidence supports the verdict. */
  confidence: number;
}

/**
 * Whether a series rises: significantly and by a share of its level (more than
 * sampling alone would move it) over the later half of the work (`risingLate`),
 * and steadily, from the end of warm-up on (`steady`).
 * `time`: the series' instants on the work clock, over [0, work end].
 */
export function rise(t: Trend, time: Float64Array): { risingLate: boolean; steady: boolean } {
  const halfSpan = (time[time.length - 1] - time[0]) / 2;
  const minGrowth = Math.max(RULES.minRelativeGrowth, RULES.samplingNoiseMargin * t.samplingNoiseLate);
  const risingLate =
    t.zLate >= RULES.zSignificant && t.slopeLate > 0 && (t.slopeLate * halfSpan) / Math.max(t.meanLate, 1) >= minGrowth;
  const steady = risingLate && t.zAll >= RULES.zSignificant && t.slopeEarly >= RULES.minEarlyToLateSlope * t.slopeLate;
  return { risingLate, steady };
}

/** A profile without lifetimes (a .heapprofile): what was alive once tells nothing of growth. */
export const NO_LIFETIMES: Classification = { verdict: 'unclear', reason: 'no-lifetimes', rate: 0, confidence: 0 };

/** The verdict rules (docs/DIAGNOSIS.md explains them). */
export function classify(ev: Evidence): Classification {
  if (ev.survivorCount === 0) return { verdict: 'temporary', reason: 'no-survivors', rate: 0, confidence: 1 };

  const thirds = ev.survivorThirds;
  const inThirds = thirds[0] + thirds[1] + thirds[2];
  const spread =
    ev.survivorsInThirds >= RULES.minSpreadSurvivors &&
    inThirds > 0 &&
    Math.min(...thirds) >= RULES.minThirdShare * inThirds;
  const { risingLate, steady } = rise(ev, ev.series.work);

  const leakBy = (reason: Classification['reason'], rate: number, confidence: number): Classification => {
    const verdict = ev.survivorsFreedBytes >= RULES.freedAtExitShare * ev.survivorBytes ? 'leak-freed-at-exit' : 'leak';
    return { verdict, reason, rate, confidence };
  };
  const trendConfidence = (z: number): number => Math.min(1, Math.max(0, z) / (2 * RULES.zSignificant));

  if (spread && ev.slopeLate > 0 && ev.slopeLate >= RULES.minLiveToSurvivorSlope * ev.survivorSlopeLate) {
    const countFactor = Math.min(1, ev.survivorsInThirds / (4 * RULES.minSpreadSurvivors));
    return leakBy(
      'survivors-throughout',
      ev.survivorSlopeAll,
      Math.max(countFactor * 0.5, countFactor * trendConfidence(ev.zAll)),
    );
  }
  if (steady) return leakBy('steady-growth', ev.slopeAll, trendConfidence(Math.min(ev.zAll, ev.zLate)));
  // A handful of survivors scattered over the run while live bytes rise: a rare leak, or chance.
  const fewScattered = ev.survivorsInThirds < 3 * RULES.minSpreadSurvivors && thirds.filter((t) => t > 0).length >= 2;
  if (fewScattered && ev.zAll >= RULES.zSignificant) {
    return {
      verdict: 'unclear',
      reason: 'few-survivors',
      rate: ev.survivorSlopeAll,
      confidence: trendConfidence(ev.zAll) / 2,
    };
  }
  if (risingLate)
    return { verdict: 'unclear', reason: 'late-growth', rate: ev.slopeLate, confidence: trendConfidence(ev.zLate) / 2 };
  const startUp = ev.survivorWarmupBytes >= ev.survivorBytes * (1 - RULES.minThirdShare);
  return {
    verdict: 'bounded',
    reason: startUp ? 'start-up' : 'plateau',
    rate: 0,
    confidence: 1 - trendConfidence(ev.zLate) / 2,
  };
}
