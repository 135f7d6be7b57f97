import { hierarchy, partition } from 'd3-hierarchy';
import type { FlameNode } from '../../views/flame-tree';
import { formatBytes, percent } from '../../util/units';
import { escapeXml } from './xml';

export interface FlameGraphOptions {
  /** Width in px (default 1200). */
  width?: number;
  /** Height of a row (one call depth) in px (default 18). */
  rowHeight?: number;
  /** The svg's `<title>` (default "Bytes never freed by call stack"). */
  title?: string;
  /** What an empty graph says (default "nothing was left unfreed"). */
  emptyText?: string;
  /** Frames narrower than this are not drawn, nor anything below them (default 0.5 px). */
  minWidthPx?: number;
}

/** A monospace font's advance is 0.6 em (DejaVu Sans Mono, Menlo, Consolas): 7.2 px at 12 px. */
const CHAR_EM = 0.6;
const TEXT_PAD = 3;
const ROOT_FILL = '#c8c8c8';

/**
 * A flame tree as a self-contained SVG (no script, no stylesheet, no external
 * reference), for an HTML report or a file of its own.
 *
 * Drawn as an icicle: the root ("all") is the top row and callees hang below their
 * callers, down to the allocating functions; a frame's width is its share of the
 * root's bytes, children left-aligned from largest to smallest, so the space to the
 * right of a frame's children is what the frame allocated itself. Each frame is a
 * `<g class="lh-frame">` holding a `<title>` tooltip ("function (file:line) — 1.20
 * MiB, 34%"), a `<rect>` and, when it fits, a `<text>` label (cut with an ellipsis,
 * or left out under three characters). Frames narrower than `minWidthPx` are not
 * drawn: the size of the SVG is bounded by its width, not by the tree's.
 */
export function flameGraphSvg(root: FlameNode, options: FlameGraphOptions = {}): string {
  const width = options.width ?? 1200;
  const rowHeight = options.rowHeight ?? 18;
  const minWidthPx = options.minWidthPx ?? 0.5;
  const title = options.title ?? 'Bytes never freed by call stack';
  const fontSize = Math.max(8, Math.min(12, rowHeight - 5));
  const total = root.value;
  if (!(total > 0)) return emptySvg(width, rowHeight, fontSize, title, options.emptyText ?? 'nothing was left unfreed');

  // Only what will be drawn enters the layout: a child is never wider than its parent.
  const scale = width / total;
  const drawn = new Map<FlameNode, FlameNode[]>();
  const drawnChildren = (d: FlameNode): FlameNode[] => {
    let kids = drawn.get(d);
    if (!kids) {
      kids = d.children.filter((c) => c.value * scale >= minWidthPx);
      drawn.set(d, kids);
    }
    return kids;
  };
  const tree = hierarchy(root, drawnChildren).sum((d) => {
    let own = d.value;
    for (const c of drawnChildren(d)) own -= c.value;
    return Math.max(0, own);
  });
  const height = (tree.height + 1) * rowHeight;
  const layout = partition<FlameNode>().size([width, height])(tree);

  const charPx = fontSize * CHAR_EM;
  const baseline = (rowHeight - 1) / 2 + fontSize * 0.35;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lh-flame" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="${fontSize}">`,
    `<title>${escapeXml(title)}</title>`,
  ];
  for (const node of layout.descendants()) {
    const d = node.data;
    const x = node.x0;
    const y = node.depth * rowHeight;
    const w = node.x1 - node.x0;
    const tooltip = `${d.name}${where(d)} — ${formatBytes(d.value)}, ${percent(d.value / total)}`;
    const fill = node.depth === 0 ? ROOT_FILL : warmColour(d.name);
    const text = label(d.name, Math.floor((w - 2 * TEXT_PAD) / charPx));
    out.push(
      `<g class="lh-frame"><title>${escapeXml(tooltip)}</title>` +
        `<rect x="${num(x)}" y="${y}" width="${up(w)}" height="${rowHeight - 1}" fill="${fill}"/>` +
        (text ? `<text x="${num(x + TEXT_PAD)}" y="${num(y + baseline)}">${escapeXml(text)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function emptySvg(width: number, rowHeight: number, fontSize: number, title: string, text: string): string {
  const height = 2 * rowHeight;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="lh-flame" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="${fontSize}">`,
    `<title>${escapeXml(title)}</title>`,
    `<text x="${num(width / 2)}" y="${num(rowHeight + fontSize * 0.35)}" text-anchor="middle" fill="#666">${escapeXml(text)}</text>`,
    '</svg>',
  ].join('\n');
}

/** ` (file:line)`, ` (file)`, or nothing, as `formatFrame` writes it. */
function where(d: FlameNode): string {
  return d.file ? ` (${d.file}${d.line ? `:${d.line}` : ''})` : '';
}

/** The name as it fits in `chars` characters: whole, cut with an ellipsis, or null under three. */
function label(name: string, chars: number): string | null {
  const points = Array.from(name);
  if (points.length <= chars) return name;
  if (chars < 3) return null;
  return points.slice(0, chars - 1).join('') + '…';
}

/**
 * A warm colour (red to yellow, as flame graphs are drawn) that depends on the function
 * name only, so a function has the same colour wherever it appears and in every report.
 */
function warmColour(name: string): string {
  // FNV-1a, 32 bits
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const r = 205 + Math.round(((h & 0xff) / 255) * 50);
  const g = Math.round((((h >>> 8) & 0xff) / 255) * 190) + 20;
  const b = Math.round((((h >>> 16) & 0xff) / 255) * 55);
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** A coordinate, to the hundredth of a pixel. */
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** A width rounded up to the hundredth of a pixel, so a drawn frame is never narrower than `minWidthPx`. */
function up(n: number): string {
  return String(Math.ceil(n * 100 - 1e-6) / 100);
}
