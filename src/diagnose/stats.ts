/** Robust trend statistics for short series (tens of points). */

/** Theil–Sen slope: the median of the slopes of all pairs of points; ignores outliers and sawtooth. */
export function theilSen(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return medianOfSorted(pairSlopes(x, y));
}

/**
 * Sen's confidence interval of the Theil–Sen slope: the ranks of the pair slopes
 * that bound it follow from the Mann–Kendall variance (`z` 1.96: 95 %, two-sided).
 */
export function theilSenInterval(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  z = 1.96,
): { slope: number; low: number; high: number } {
  const slopes = pairSlopes(x, y);
  const n = x.length;
  if (slopes.length === 0) return { slope: 0, low: 0, high: 0 };
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const rank = (r: number): number => slopes[Math.min(slopes.length - 1, Math.max(0, Math.round(r)))];
  return { slope: medianOfSorted(slopes), low: rank((slopes.length - c) / 2 - 1), high: rank((slopes.length + c) / 2) };
}

/** The slopes of all pairs of points, sorted (a typed array sorts numerically, 4× faster than with a comparator). */
function pairSlopes(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const slopes = new Float64Array((x.length * (x.length - 1)) / 2);
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) slopes[n++] = (y[j] - y[i]) / dx;
    }
  }
  return slopes.subarray(0, n).sort();
}

function medianOfSorted(sorted: ArrayLike<number>): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of the values (a sorted copy). */
export function median(values: ArrayLike<number>): number {
  return medianOfSorted(Float64Array.from(values).sort());
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
