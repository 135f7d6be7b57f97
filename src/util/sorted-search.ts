/** The first index in [from, sorted.length) whose value is at least `value` (sorted.length when there is none); `sorted` ascending. */
export function firstAtLeast(sorted: ArrayLike<number>, value: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
