import { scaleLinear } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { ChartInput } from '../../views/chart-input';
import { VERDICT_PAINT } from './verdict-colours';
import { escapeXml } from './xml';

/** Tableau 10: distinct, readable on white, for the areas. */
const AREA_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const LINE_COLOURS = ['#222222', '#7a0177', '#006d2c', '#08519c'];
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11"';
/** Roughly what a character of the 11 px font takes, to lay out the legend without measuring text. */
const CHAR_PX = 6.6;
const MARGIN = { top: 28, right: 16, bottom: 36, left: 64 };
const LEGEND_ROW = 16;

/**
 * Live memory over time as an SVG that reads without the tool: stacked areas (one
 * per series, in the order given, the first at the bottom; coloured by verdict family
 * when they say one, `colourBy`), lines over them, marks,
 * axes in human units (bytes in KiB/MiB/GiB, time in s/min/h) and a legend below.
 * Class names (`lh-area`, `lh-line`, `lh-mark`, `lh-legend-item`, `lh-axis-x/y`) are
 * what reports and tests select on.
 */
export function chartSvg(c: ChartInput): string {
  const width = c.width ?? 800;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  // a site's verdict leads its name, in the legend and the tooltip
  const areaNames = c.areas.map((a) => (a.verdict ? `${a.verdict}: ${a.label}` : a.label));
  const legend = legendLayout([...areaNames, ...(c.lines ?? []).map((l) => l.label)], width - MARGIN.left);
  const paints = areaPaints(c.areas);
  const plotHeight = (c.height ?? 320) - MARGIN.top - MARGIN.bottom;
  const height = MARGIN.top + plotHeight + MARGIN.bottom + legend.rows * LEGEND_ROW;

  const n = c.time.length;
  const tops = new Float64Array(n);
  const stacked = c.areas.map((a) => {
    const y0 = Float64Array.from(tops);
    for (let i = 0; i < n; i++) tops[i] += a.values[i] ?? 0;
    return { label: a.label, y0, y1: Float64Array.from(tops) };
  });
  let maxBytes = Math.max(1, ...tops);
  for (const l of c.lines ?? []) for (let i = 0; i < l.values.length; i++) maxBytes = Math.max(maxBytes, l.values[i]);
  const lastTime = Math.max(
    n > 0 ? c.time[n - 1] : 0,
    ...(c.lines ?? []).map((l) => (l.time.length ? l.time[l.time.length - 1] : 0)),
  );
  // a recording without a duration (a .heapprofile: one instant) gets a second of axis, not nanoseconds
  const tEnd = lastTime > 1e-6 ? lastTime : 1;

  const yUnit = byteUnit(maxBytes);
  const y = scaleLinear()
    .domain([0, maxBytes / yUnit.bytes])
    .range([plotHeight, 0])
    .nice();
  const xUnit = timeUnit(tEnd);
  const x = scaleLinear()
    .domain([0, tEnd / xUnit.seconds])
    .range([0, plotWidth]);
  const px = (seconds: number) => x(seconds / xUnit.seconds);
  const py = (bytes: number) => y(bytes / yUnit.bytes);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="lh-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ${FONT}>`,
  );
  out.push(
    `<title>${escapeXml(c.title ?? 'live memory over time')}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  if (c.title)
    out.push(
      `<text class="lh-title" x="${MARGIN.left}" y="16" font-size="13" font-weight="bold">${escapeXml(c.title)}</text>`,
    );
  out.push(`<g transform="translate(${MARGIN.left},${MARGIN.top})">`);

  out.push('<g class="lh-axis lh-axis-y">');
  for (const tick of y.ticks(5)) {
    const ty = round(y(tick));
    out.push(`<line x1="0" x2="${plotWidth}" y1="${ty}" y2="${ty}" stroke="#e6e6e6"/>`);
    out.push(
      `<text x="-6" y="${ty}" text-anchor="end" dominant-baseline="middle">${tick === 0 ? '0' : `${trim(tick)} ${yUnit.name}`}</text>`,
    );
  }
  out.push('</g>', '<g class="lh-axis lh-axis-x">');
  out.push(`<line x1="0" x2="${plotWidth}" y1="${plotHeight}" y2="${plotHeight}" stroke="#888888"/>`);
  for (const tick of x.ticks(8)) {
    const tx = round(x(tick));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${plotHeight}" y2="${plotHeight + 4}" stroke="#888888"/>`);
    out.push(`<text x="${tx}" y="${plotHeight + 16}" text-anchor="middle">${trim(tick)} ${xUnit.name}</text>`);
  }
  out.push('</g>');

  const indices = Array.from({ length: n }, (_, i) => i);
  out.push('<g class="lh-areas">');
  stacked.forEach((s, k) => {
    const areaPath = area<number>()
      .x((i) => px(c.time[i]))
      .y0((i) => py(s.y0[i]))
      .y1((i) => py(s.y1[i]));
    const { colour, opacity } = paints[k];
    const verdict = c.areas[k].verdict;
    const peak = Math.max(0, ...Array.from(s.y1, (v, i) => v - s.y0[i]));
    out.push(
      `<path class="lh-area" data-label="${escapeXml(s.label)}"${verdict ? ` data-verdict="${verdict}"` : ''} d="${areaPath(indices) ?? ''}" fill="${colour}" fill-opacity="${opacity}" stroke="${colour}" stroke-width="0.5">` +
        `<title>${escapeXml(areaNames[k])}: peak ${trim(peak / yUnit.bytes)} ${yUnit.name}</title></path>`,
    );
  });
  out.push('</g>', '<g class="lh-lines">');
  (c.lines ?? []).forEach((l, k) => {
    const points = Array.from(
      { length: l.time.length },
      (_, i) => [px(l.time[i]), py(l.values[i])] as [number, number],
    );
    const colour = LINE_COLOURS[k % LINE_COLOURS.length];
    out.push(
      `<path class="lh-line" data-label="${escapeXml(l.label)}" d="${line()(points) ?? ''}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${k === 0 ? '' : '5 3'}">` +
        `<title>${escapeXml(l.label)}</title></path>`,
    );
  });
  out.push('</g>', '<g class="lh-marks">');
  for (const m of c.marks ?? []) {
    const mx = round(px(m.time));
    // a label that would run off the right edge goes to the left of its line
    const leftward = mx + 3 + m.label.length * CHAR_PX > plotWidth;
    const text = leftward ? `x="${mx - 3}" text-anchor="end"` : `x="${mx + 3}"`;
    out.push(
      `<g class="lh-mark"><line x1="${mx}" x2="${mx}" y1="0" y2="${plotHeight}" stroke="#c00000" stroke-dasharray="3 3"/>` +
        `<text ${text} y="10" fill="#c00000">${escapeXml(m.label)}</text><title>${escapeXml(m.label)} at ${trim(m.time)} s</title></g>`,
    );
  }
  out.push('</g>', '</g>');

  out.push(
    `<g class="lh-legend" transform="translate(${MARGIN.left},${MARGIN.top + plotHeight + MARGIN.bottom - 6})">`,
  );
  legend.items.forEach((item, k) => {
    const verdict = c.areas[k]?.verdict;
    const swatch =
      k >= c.areas.length
        ? `<line x1="0" x2="12" y1="6" y2="6" stroke="${LINE_COLOURS[(k - c.areas.length) % LINE_COLOURS.length]}" stroke-width="2"/>`
        : `<rect width="12" height="12" fill="${paints[k].colour}" fill-opacity="${paints[k].opacity}"/>`;
    out.push(
      `<g class="lh-legend-item"${verdict ? ` data-verdict="${verdict}"` : ''} transform="translate(${item.x},${item.row * LEGEND_ROW})">${swatch}<text x="16" y="10">${escapeXml(item.label)}</text></g>`,
    );
  });
  out.push('</g>', '</svg>');
  return out.join('');
}

/**
 * Each area's colour and opacity: by its verdict family, the family's shades in turn
 * (its first leak the first red, its second the second); else the default palette.
 */
function areaPaints(areas: ChartInput['areas']): { colour: string; opacity: number }[] {
  const used = new Map<string, number>();
  return areas.map((a, k) => {
    const family = a.colourBy ?? a.verdict;
    if (!family) return { colour: AREA_COLOURS[k % AREA_COLOURS.length], opacity: 0.85 };
    const paint = VERDICT_PAINT[family];
    const n = used.get(family) ?? 0;
    used.set(family, n + 1);
    return { colour: paint.shades[n % paint.shades.length], opacity: paint.opacity };
  });
}

/** Legend items placed left to right, wrapping into rows. */
function legendLayout(
  labels: string[],
  width: number,
): { items: { label: string; x: number; row: number }[]; rows: number } {
  const items: { label: string; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const label of labels) {
    const w = 16 + label.length * CHAR_PX + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    items.push({ label, x: round(x), row });
    x += w;
  }
  return { items, rows: labels.length ? row + 1 : 0 };
}

const BYTE_UNITS = [
  { name: 'B', bytes: 1 },
  { name: 'KiB', bytes: 1024 },
  { name: 'MiB', bytes: 1024 ** 2 },
  { name: 'GiB', bytes: 1024 ** 3 },
  { name: 'TiB', bytes: 1024 ** 4 },
];

/** The largest binary unit the maximum is at least one of. */
function byteUnit(max: number): { name: string; bytes: number } {
  let unit = BYTE_UNITS[0];
  for (const u of BYTE_UNITS) if (max >= u.bytes) unit = u;
  return unit;
}

function timeUnit(end: number): { name: string; seconds: number } {
  if (end >= 2 * 3600) return { name: 'h', seconds: 3600 };
  if (end >= 120) return { name: 'min', seconds: 60 };
  if (end < 0.5) return { name: 'ms', seconds: 1e-3 };
  return { name: 's', seconds: 1 };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** A tick value without float noise: 0.30000000000000004 → 0.3. */
function trim(v: number): string {
  return String(Number(v.toPrecision(6)));
}
