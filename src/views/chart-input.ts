/**
 * A chart as data, the shape views build and render/svg/chart.ts draws: live memory
 * over time as stacked areas, lines over them and marks.
 */

/** A stacked area: one value per instant of the chart's `time`. */
export interface ChartArea {
  label: string;
  values: ArrayLike<number>;
}

/** A line drawn over the areas, on its own instants (RSS, the JS heap). */
export interface ChartLine {
  label: string;
  time: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A vertical marker: a SIGUSR2 dump, a phase. */
export interface ChartMark {
  time: number;
  label: string;
}

export interface ChartInput {
  title?: string;
  /** Seconds since the start, shared by the areas. */
  time: ArrayLike<number>;
  areas: ChartArea[];
  lines?: ChartLine[];
  marks?: ChartMark[];
  width?: number;
  height?: number;
}
