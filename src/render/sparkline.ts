const BARS = '▁▂▃▄▅▆▇█';

/** Values as a row of block characters, lowest to highest (a flat series is a row of the lowest). Hand-written: eight characters do not need a package. */
export function sparkline(values: readonly number[]): string {
  const low = Math.min(...values);
  const range = Math.max(...values) - low;
  return values
    .map((v) => BARS[range > 0 ? Math.min(BARS.length - 1, Math.floor(((v - low) / range) * BARS.length)) : 0])
    .join('');
}
