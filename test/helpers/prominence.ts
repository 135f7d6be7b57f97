/**
 * What a page shows most prominently, measured in a real browser on the charts and flame
 * graphs render/svg draws: which site a chart draws first and largest, and which site's
 * frame a flame graph draws widest. The report's tests (and the web UI's) hold that the
 * leak sites win each of these over a bounded cache.
 */
import type { Locator } from 'playwright-core';

/** The verdicts that make a program leak. */
export const LEAK_VERDICTS = ['leak', 'leak-freed-at-exit'];

/** An area of a chart as drawn: its site, verdict and the surface it covers, in px² of the SVG. */
export interface DrawnArea {
  label: string;
  verdict: string | null;
  px2: number;
}

/**
 * The areas of a chart (`svg.lh-chart`), in drawing order (the first at the bottom of
 * the stack), with the surface each covers: the shoelace formula over its path's points
 * (d3's linear area: `M x,y L x,y … Z`).
 */
export function drawnAreas(chart: Locator): Promise<DrawnArea[]> {
  return chart.locator('path.lh-area').evaluateAll((paths) =>
    paths.map((p) => {
      const numbers = (p.getAttribute('d') ?? '').match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g)?.map(Number) ?? [];
      let twice = 0;
      const n = numbers.length >> 1;
      for (let k = 0; k < n; k++) {
        const next = (k + 1) % n;
        twice += numbers[2 * k] * numbers[2 * next + 1] - numbers[2 * next] * numbers[2 * k + 1];
      }
      return {
        label: p.getAttribute('data-label') ?? '',
        verdict: p.getAttribute('data-verdict'),
        px2: Math.abs(twice) / 2,
      };
    }),
  );
}

/** The verdicts of a chart's legend items, in the order listed (null for an item that is no site). */
export function legendVerdicts(chart: Locator): Promise<(string | null)[]> {
  return chart.locator('g.lh-legend-item').evaluateAll((items) => items.map((g) => g.getAttribute('data-verdict')));
}

/** A drawn frame of a flame graph: its function and width in px of the SVG. */
export interface DrawnFrame {
  name: string;
  width: number;
}

/** The frames of a flame graph (`svg.lh-flame`), the function read from each tooltip (`name (file:line) — bytes, share`). */
export function drawnFrames(flame: Locator): Promise<DrawnFrame[]> {
  return flame.locator('g.lh-frame').evaluateAll((frames) =>
    frames.map((g) => {
      const tooltip = g.querySelector('title')?.textContent ?? '';
      return {
        name: tooltip.replace(/ \(.*$| — .*$/, ''),
        width: Number(g.querySelector('rect')?.getAttribute('width') ?? 0),
      };
    }),
  );
}

/**
 * The widest frame of a flame graph among the functions that allocate at a site
 * (`verdictOf` knows their sites' verdicts), with that verdict; undefined when none is drawn.
 */
export async function widestSiteFrame(
  flame: Locator,
  verdictOf: Map<string, string>,
): Promise<{ name: string; width: number; verdict: string } | undefined> {
  const frames = (await drawnFrames(flame)).filter((f) => verdictOf.has(f.name));
  frames.sort((a, b) => b.width - a.width);
  return frames[0] && { ...frames[0], verdict: verdictOf.get(frames[0].name)! };
}
