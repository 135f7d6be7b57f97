/**
 * Seconds to the columns' nanoseconds, rounded: recorded times are whole nanoseconds,
 * and 8.05 * 1e9 is 8050000000.000001, which would miss an allocation made at 8.05 s.
 */
export function nanoseconds(seconds: number): number {
  return Math.round(seconds * 1e9);
}
