import type { Diagnosis, GroupDiagnosis } from '../diagnose/diagnose';
import { formatBytes, formatCount, formatRate, formatSeconds } from '../util/units';

const FRAMES_SHOWN = 3;

/** The human-readable `analyze` output: overall verdict, then a compact table of the top groups. */
export function diagnosisText(d: Diagnosis, source: string, top: number): string {
  const leaking = d.groups.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
  const head =
    d.verdict === 'leak'
      ? `LEAK: ${leaking.length} of ${d.groupCount} allocation sites retain growing memory`
      : `NO LEAK: none of ${d.groupCount} allocation sites retains growing memory`;
  const lines = [`${head} (${source}, ${formatSeconds(d.runtimeSeconds)}, ${formatCount(d.allocations)} allocations)`, ''];
  const shown = d.groups.slice(0, top);
  const rows = shown.map((g, i) => [
    String(i + 1),
    g.verdict,
    g.growthBytesPerSecond > 0 ? formatRate(g.growthBytesPerSecond) : '-',
    `${formatCount(g.retainedCount)}/${formatCount(g.totalCount)}`,
    formatBytes(g.retainedBytes),
    formatBytes(g.leakedBytes),
    where(g.frames[0]),
  ]);
  const header = ['#', 'verdict', 'growth', 'retained/all', 'retained', 'leaked', 'allocated at'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const pad = (cells: string[]): string =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : c === 0 || c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ');
  const indent = ' '.repeat(widths.slice(0, -1).reduce((a, w) => a + w + 2, 0));
  lines.push(pad(header));
  shown.forEach((g, i) => {
    lines.push(pad(rows[i]));
    const callers = g.frames.slice(1, FRAMES_SHOWN).map(where);
    if (callers.length) lines.push(`${indent}called from ${callers.join(' < ')}`);
    if (g.verdict !== 'temporary') lines.push(`${indent}${g.explanation}`);
  });
  if (d.groups.length > shown.length) lines.push('', `${d.groups.length - shown.length} more groups (--top N shows more)`);
  for (const w of d.warnings) lines.push('', `warning: ${w}`);
  return lines.join('\n');
}

function where(f: GroupDiagnosis['frames'][number] | undefined): string {
  if (!f) return '(no frames)';
  const loc = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : f.module ? ` [${f.module}]` : '';
  return `${f.function || (f.address ? `0x${f.address.toString(16)}` : '??')}${loc}`;
}
