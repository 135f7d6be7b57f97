import type { Diagnosis, GroupDiagnosis, ResidentMemory } from '../diagnose/diagnose';
import type { ProcessSummary } from '../diagnose/process-summary';
import { formatFrame } from '../profile/frames';
import { formatBytes, formatCount, formatRate, formatSeconds } from '../util/units';
import { headline } from '../views/headline';

const FRAMES_SHOWN = 3;

/**
 * The human-readable `analyze` output: overall verdict, what grows outside every
 * allocation site, then a compact table of the top groups.
 */
export function diagnosisText(d: Diagnosis, source: string, top: number): string {
  if (d.allocations === 0 && d.residentMemory) return residentMemoryText(d, d.residentMemory, source);
  const lines = [
    `${headline(d)} (${source}, ${formatSeconds(d.runtimeSeconds)}, ${formatCount(d.allocations)} allocations)`,
  ];
  for (const u of d.unattributed) if (u.verdict !== 'no-leak') lines.push(`  ${u.verdict}: ${u.explanation}`);
  if (d.residentMemory)
    lines.push(`  resident memory (rss): ${d.residentMemory.rss.verdict}, ${d.residentMemory.rss.explanation}`);
  lines.push('');
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
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : c === 0 || c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]),
      )
      .join('  ');
  const indent = ' '.repeat(widths.slice(0, -1).reduce((a, w) => a + w + 2, 0));
  lines.push(pad(header));
  shown.forEach((g, i) => {
    lines.push(pad(rows[i]));
    const callers = g.frames.slice(1, FRAMES_SHOWN).map(where);
    if (callers.length) lines.push(`${indent}called from ${callers.join(' < ')}`);
    if (g.verdict !== 'temporary') lines.push(`${indent}${g.explanation}`);
  });
  if (d.groups.length > shown.length)
    lines.push('', `${d.groups.length - shown.length} more groups (--top N shows more)`);
  for (const w of d.warnings) lines.push('', `warning: ${w}`);
  return lines.join('\n');
}

/** A recording of resident memory alone (`watch --record-to`): the verdict on RSS, and on each process. */
function residentMemoryText(d: Diagnosis, memory: ResidentMemory, source: string): string {
  const growing = d.verdict === 'leak';
  const lines = [
    `${growing ? 'LEAK' : 'NO LEAK'}: resident memory ${memory.rss.verdict} (${source}, ${formatSeconds(d.runtimeSeconds)}, RSS only: no allocations recorded)`,
    `  ${memory.rss.explanation}`,
  ];
  if (memory.processes.length > 1)
    for (const p of memory.processes)
      lines.push(`  pid ${p.pid} (${p.command || '?'}): ${p.trend.verdict}, ${p.trend.explanation}`);
  if (growing) lines.push('', `next: leakhound record -o run.lhp -- <the program> finds the allocation sites`);
  for (const w of d.warnings) lines.push('', `warning: ${w}`);
  return lines.join('\n');
}

/** The other processes of a recording, a line each, with the command that tells more. */
export function processesText(processes: ProcessSummary[]): string {
  const lines = ['other processes of this recording:'];
  for (const p of processes) {
    const top = p.topFrame ? `, most suspicious site ${where(p.topFrame)}` : '';
    lines.push(
      `  pid ${p.pid} (${p.command || '?'}): ${p.verdict === 'leak' ? 'LEAK' : 'no leak'}${top} — leakhound analyze ${shellWord(p.file)}`,
    );
  }
  return lines.join('\n');
}

/** A path as a shell word: quoted when it has characters a shell would split or expand. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function where(f: GroupDiagnosis['frames'][number] | undefined): string {
  return f ? formatFrame(f) : '(no frames)';
}
