/** Robust trend statistics for short series (tens of points). */

/** Theil–Sen slope: the median of the slopes of all pairs of points; ignores outliers and sawtooth. */
export function theilSen(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) slopes.push((y[j] - y[i]) / dx);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
}

/**
 * Mann–Kendall trend test: Z > 0 for a rising series, |Z| > 2.33 is significant at
 * the 1 % level (one-sided). Uses the variance corrected for ties, so flat runs of
 * equal values do not pass for a trend.
 */
export function mannKendall(y: ArrayLike<number>): number {
  const n = y.length;
  if (n < 4) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  const ties = new Map<number, number>();
  for (let i = 0; i < n; i++) ties.set(y[i], (ties.get(y[i]) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0) return 0;
  if (s > 0) return (s - 1) / Math.sqrt(variance);
  if (s < 0) return (s + 1) / Math.sqrt(variance);
  return 0;
}

export function mean(y: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) total += y[i];
  return y.length ? total / y.length : 0;
}
