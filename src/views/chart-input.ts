import type { Verdict } from '../diagnose/diagnose';

/**
 * A chart as data, the shape views build and render/svg/chart.ts draws: live memory
 * over time as stacked areas, lines over them and marks.
 */

/** A stacked area: one value per instant of the chart's `time`. */
export interface ChartArea {
  label: string;
  values: ArrayLike<number>;
  /**
   * The verdict of the site the area draws: the legend says it, the area is coloured
   * by its family (leaks in strong reds and oranges, then unclear amber, bounded blue,
   * temporary faint) and carries it (`data-verdict`).
   */
  verdict?: Verdict;
  /**
   * Colours the area by a verdict's family without naming it (a site's retained part);
   * `neutral`: a faint grey, for what is no one site (the other sites, a site's freed
   * part). Without this or `verdict`, the default palette, an area a colour.
   */
  colourBy?: Verdict | 'neutral';
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
