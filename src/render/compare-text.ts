import type { Comparison, Outcome, SiteComparison, SiteSide } from '../diagnose/compare/compare';
import { formatBytes, formatRate } from '../util/units';

const LABEL: Record<Outcome, string> = {
  'new-leak': 'new leak',
  grown: 'grown',
  'fixed-leak': 'fixed leak',
  unchanged: 'unchanged',
};

/** `leakhound compare`'s output: the answer in a line, then every site that leaks in either run. */
export function comparisonText(c: Comparison): string {
  const lines = [`${comparisonHeadline(c)} (${c.base.source} → ${c.head.source})`];
  for (const note of c.notes) lines.push(`  ${note}`);
  const shown = c.sites.filter((s) => s.outcome !== 'unchanged' || leaksInEither(s));
  if (shown.length) {
    const rows = shown.map((s) => [changeCell(s), sideCell(s.base), sideCell(s.head), siteCell(s)]);
    const header = ['change', 'base', 'head', 'site'];
    const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col].length)));
    const pad = (cells: string[]): string =>
      cells.map((cell, col) => (col === cells.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ');
    const indent = ' '.repeat(widths.slice(0, -1).reduce((a, w) => a + w + 2, 0));
    lines.push('', pad(header));
    shown.forEach((s, i) => {
      lines.push(pad(rows[i]), `${indent}${s.reason}`);
    });
  }
  const quiet = c.sites.length - shown.length;
  if (quiet) lines.push('', `${quiet} more site${quiet === 1 ? '' : 's'} leaking in neither run`);
  return lines.join('\n');
}

/** The comparison in a line: what a CI log shows first. */
export function comparisonHeadline(c: Comparison): string {
  const n = c.counts;
  const sites = `${c.sites.length} site${c.sites.length === 1 ? '' : 's'}`;
  if (!c.comparable) return `NOT COMPARED: a recording without lifetimes (${sites})`;
  const grown = `${n.grown} leak${n.grown === 1 ? '' : 's'} grown by more than ${c.thresholdPercent}%`;
  const fresh = `${n['new-leak']} new leak${n['new-leak'] === 1 ? '' : 's'}`;
  const fixed = `${n['fixed-leak']} leak${n['fixed-leak'] === 1 ? '' : 's'} fixed`;
  if (c.regression)
    return `REGRESSION: ${[n['new-leak'] && fresh, n.grown && grown, n['fixed-leak'] && fixed].filter(Boolean).join(', ')}`;
  if (n['fixed-leak']) return `FIXED: ${fixed}, no new leak, none grown by more than ${c.thresholdPercent}%`;
  return `NO CHANGE: no new, fixed or grown leak (threshold ${c.thresholdPercent}%) among ${sites}`;
}

function leaksInEither(s: SiteComparison): boolean {
  return [s.base, s.head].some((side) => side?.verdict === 'leak' || side?.verdict === 'leak-freed-at-exit');
}

function changeCell(s: SiteComparison): string {
  if (s.outcome === 'grown' && s.growthChange !== null) return `grown +${Math.round(s.growthChange * 100)}%`;
  return LABEL[s.outcome];
}

/** A verdict, and for a leak the bytes it retained and its growth per second. */
function sideCell(side: SiteSide | null): string {
  if (!side) return 'absent';
  if (side.verdict !== 'leak' && side.verdict !== 'leak-freed-at-exit') return side.verdict;
  return `${side.verdict} ${formatBytes(side.retainedBytes)}, ${formatRate(side.growthBytesPerSecond)}`;
}

/** The identifying frames, with the lines of the head's stack (else the base's). */
function siteCell(s: SiteComparison): string {
  if (!s.site.length) return (s.head ?? s.base)?.frameless ?? '(no stack captured)';
  const frames = (s.head ?? s.base)?.frames ?? [];
  return s.site
    .map((f, i) => {
      const line = frames[i]?.line ? `:${frames[i].line}` : '';
      return f.file ? `${f.function} (${f.file}${line})` : f.function;
    })
    .join(' < ');
}
