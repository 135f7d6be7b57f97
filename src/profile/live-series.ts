import { AllocationColumns } from './columns';

/** Live bytes and count sampled at evenly spaced instants. */
export interface LiveSeries {
  /** Nanoseconds since the start, one per point. */
  time: Float64Array;
  bytes: Float64Array;
  count: Float64Array;
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
 * One pass: +weight at the first instant after the allocation, -weight at the first
 * instant after the free, then a running sum.
 */
export function liveSeries(
  columns: AllocationColumns,
  indices: ArrayLike<number> | null,
  fromNs: number,
  toNs: number,
  points: number,
): LiveSeries {
  const time = evenInstants(fromNs, toNs, points);
  const bytes = new Float64Array(points + 1);
  const count = new Float64Array(points + 1);
  const step = points > 1 ? (toNs - fromNs) / (points - 1) : 0;
  // The first instant at or after t. The division can round either way, so the
  // estimate is nudged until time[k - 1] < t <= time[k].
  const slot = (t: number): number => {
    if (t <= fromNs) return 0;
    if (step === 0) return points;
    let k = Math.min(points, Math.ceil((t - fromNs) / step));
    while (k > 0 && time[k - 1] >= t) k--;
    while (k < points && time[k] < t) k++;
    return k;
  };
  const weight = columns.weight ?? columns.size;
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
  }
  for (let k = 1; k < points; k++) {
    bytes[k] += bytes[k - 1];
    count[k] += count[k - 1];
  }
  return { time, bytes: bytes.subarray(0, points), count: count.subarray(0, points) };
}
