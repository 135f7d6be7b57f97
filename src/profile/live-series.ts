import { AllocationColumns } from './columns';
import { firstAtLeast } from '../util/sorted-search';

/** Live bytes and count sampled at instants. */
export interface LiveSeries {
  /** Nanoseconds since the start, one per point. */
  time: Float64Array;
  bytes: Float64Array;
  count: Float64Array;
  /**
   * A sampled recording's: the variance sampling puts in `bytes`, Σ w(w − s) over the
   * allocations alive (each of s bytes, picked with probability s/w and counted for
   * its weight w). Absent when every weight is its size.
   */
  variance?: Float64Array;
}

/** `points` instants spread evenly over [fromNs, toNs], both ends included: where every series of the analysis is read. */
export function evenInstants(fromNs: number, toNs: number, points: number): Float64Array {
  const time = new Float64Array(points);
  const step = points > 1 ? (toNs - fromNs) / (points - 1) : 0;
  for (let k = 0; k < points; k++) time[k] = fromNs + k * step;
  return time;
}

/**
 * Live memory of the selected allocations at `points` instants spread evenly over
 * [fromNs, toNs]: an allocation counts at instant t when allocTime <= t < freeTime.
 */
export function liveSeries(
  columns: AllocationColumns,
  indices: ArrayLike<number> | null,
  fromNs: number,
  toNs: number,
  points: number,
): LiveSeries {
  return liveSeriesAt(columns, indices, evenInstants(fromNs, toNs, points));
}

/**
 * Live memory of the selected allocations at the given instants (ascending). One
 * pass: +weight at the first instant at or after the allocation, -weight at the
 * first instant at or after the free, then a running sum.
 */
export function liveSeriesAt(
  columns: AllocationColumns,
  indices: ArrayLike<number> | null,
  time: Float64Array,
): LiveSeries {
  const points = time.length;
  const bytes = new Float64Array(points + 1);
  const count = new Float64Array(points + 1);
  const slot = slotFinder(time);
  const weight = columns.weight ?? columns.size;
  const variance = columns.weight ? new Float64Array(points + 1) : undefined;
  const n = indices ? indices.length : columns.count;
  for (let j = 0; j < n; j++) {
    const i = indices ? indices[j] : j;
    const w = weight[i];
    const a = slot(columns.allocTime[i]);
    const f = columns.freeTime[i];
    const b = f === Infinity ? points : slot(f);
    if (b <= a) continue;
    bytes[a] += w;
    count[a] += 1;
    bytes[b] -= w;
    count[b] -= 1;
    if (variance) {
      const v = w * Math.max(0, w - columns.size[i]);
      variance[a] += v;
      variance[b] -= v;
    }
  }
  for (let k = 1; k < points; k++) {
    bytes[k] += bytes[k - 1];
    count[k] += count[k - 1];
    if (variance) variance[k] += variance[k - 1];
  }
  const series: LiveSeries = { time, bytes: bytes.subarray(0, points), count: count.subarray(0, points) };
  if (variance) series.variance = variance.subarray(0, points);
  return series;
}

/**
 * The first instant at or after t (points when there is none): time[k - 1] < t <= time[k].
 * Instants spread evenly (evenInstants) give its index by a division, checked against
 * its neighbours; where rounding misplaces it, or the instants are uneven, a binary
 * search: the same answer, faster for the millions of allocations a series reads.
 */
function slotFinder(time: Float64Array): (t: number) => number {
  const points = time.length;
  const first = time[0];
  const step = points > 1 ? (time[points - 1] - first) / (points - 1) : 0;
  if (!(step > 0)) return (t) => firstAtLeast(time, t);
  return (t) => {
    const k = Math.min(points, Math.max(0, Math.ceil((t - first) / step)));
    if ((k > 0 && time[k - 1] >= t) || (k < points && time[k] < t)) return firstAtLeast(time, t);
    return k;
  };
}
