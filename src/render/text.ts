import type { Diagnosis, GroupDiagnosis, ResidentMemory } from '../diagnose/diagnose';
import type { ProcessSummary } from '../diagnose/process-summary';
import type { Owner, RecordingDiagnosis } from '../diagnose/recording';
import { formatFrame } from '../profile/frames';
import { formatBytes, formatCount, formatRate, formatSeconds } from '../util/units';
import { headline, recordingHeadline, shortCommand } from '../views/headline';
import { label } from '../views/label';
import { processRows } from '../views/process-rows';

const FRAMES_SHOWN = 3;

/**
 * The human-readable `analyze` output: overall verdict, what grows outside every
 * allocation site, then a compact table of the top groups.
 */
export function diagnosisText(d: Diagnosis, source: string, top: number): string {
  if (d.allocations === 0 && d.residentMemory) return residentMemoryText(d, d.residentMemory, source);
  const lines = [
    `${headline(d)} (${source}, ${formatSeconds(d.runtimeSeconds)}, ${formatCount(d.allocations)} ${d.sampling ? 'sampled allocations' : 'allocations'})`,
  ];
  if (d.sampling) lines.push(`  sampled: ${d.sampling.explanation}`);
  for (const u of d.unattributed) if (u.verdict !== 'no-leak') lines.push(`  ${u.verdict}: ${u.explanation}`);
  if (d.residentMemory)
    lines.push(`  resident memory (rss): ${d.residentMemory.rss.verdict}, ${d.residentMemory.rss.explanation}`);
  lines.push('', ...siteTable(d.groups, top, false));
  for (const w of d.warnings) lines.push('', `warning: ${w}`);
  return lines.join('\n');
}

/**
 * `analyze` of a recording of several processes: the verdict of them all, naming the
 * process; the sites of all, ranked together, with their pid; then the processes.
 */
export function recordingText(rd: RecordingDiagnosis, source: string, top: number): string {
  if (rd.processes.length === 1) return diagnosisText(rd.named.diagnosis, source, top);
  const lines = [
    `${recordingHeadline(rd)} (${source}, ${rd.processes.length} processes, ${formatSeconds(rd.runtimeSeconds)}, ${formatCount(rd.allocations)} allocations)`,
  ];
  for (const u of rd.unattributed)
    if (u.verdict !== 'no-leak') lines.push(`  pid ${u.pid}, ${u.verdict}: ${u.explanation}`);
  lines.push('', ...siteTable(rd.groups, top, true), '', ...processLines(rd.processes.map((p) => p.summary)));
  for (const { file, warning } of rd.warnings) lines.push('', `warning: ${file}: ${warning}`);
  return lines.join('\n');
}

/** The ranked sites, a row each, with their callers and explanation under them. */
function siteTable(groups: (GroupDiagnosis & Partial<Owner>)[], top: number, withPid: boolean): string[] {
  const shown = groups.slice(0, top);
  const rows = shown.map((g, i) => [
    String(i + 1),
    ...(withPid ? [String(g.pid ?? '')] : []),
    g.verdict,
    g.growthBytesPerSecond > 0 ? formatRate(g.growthBytesPerSecond) : '-',
    `${formatCount(g.retainedCount)}/${formatCount(g.totalCount)}`,
    formatBytes(g.retainedBytes),
    formatBytes(g.leakedBytes),
    allocatedAt(g),
  ]);
  const header = [
    '#',
    ...(withPid ? ['pid'] : []),
    'verdict',
    'growth',
    'retained/all',
    'retained',
    'never freed',
    'allocated at',
  ];
  const verdictColumn = withPid ? 2 : 1;
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const pad = (cells: string[]): string =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : c === verdictColumn ? cell.padEnd(widths[c]) : cell.padStart(widths[c]),
      )
      .join('  ');
  const indent = ' '.repeat(widths.slice(0, -1).reduce((a, w) => a + w + 2, 0));
  const lines = [pad(header)];
  shown.forEach((g, i) => {
    lines.push(pad(rows[i]));
    const callers = g.frames.slice(1, FRAMES_SHOWN).map((f) => formatFrame(f));
    if (callers.length) lines.push(`${indent}called from ${callers.join(' < ')}`);
    if (g.verdict !== 'temporary') lines.push(`${indent}${g.explanation}`);
  });
  if (groups.length > shown.length) lines.push('', `${groups.length - shown.length} more groups (--top N shows more)`);
  return lines;
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

/** Lines of processes shown before the rest are summed up in one. */
const PROCESS_LINES = 12;

/**
 * The processes of a recording, those that matter first (as given). Processes of one
 * command, verdict and role share a line, so 80 runs of a helper read as one; a
 * leaking process or a program gets the command that tells more.
 */
export function processLines(processes: ProcessSummary[]): string[] {
  const lines = ['processes of this recording:'];
  const all = processRows(processes);
  // a node recorded by both recorders has two profiles: say which view each line is
  const views = new Set(processes.map((p) => p.recorder)).size;
  for (const same of all.slice(0, PROCESS_LINES)) {
    const p = same[0];
    const verdict = p.verdict === 'leak' ? 'LEAK   ' : 'no leak';
    const who = same.length === 1 ? `pid ${p.pid}` : `${same.length} processes`;
    const count = same.reduce((n, q) => n + q.allocations, 0);
    const allocations = `${formatCount(count)} allocation${count === 1 ? '' : 's'}`;
    const role = p.role === 'launcher' ? `, launcher${same.length === 1 ? '' : 's'}` : '';
    const view = views > 1 ? `, ${p.recorder === 'node' ? 'JS heap' : p.recorder}` : '';
    const top = p.role === 'program' && p.topFrame ? `, most suspicious site ${formatFrame(p.topFrame)}` : '';
    const more = same.length === 1 && p.role === 'program' ? ` — leakhound analyze ${shellWord(p.file)}` : '';
    lines.push(`  ${verdict}  ${who}  ${shortCommand(p.command)} (${allocations}${role}${view})${top}${more}`);
  }
  const rest = all.slice(PROCESS_LINES).flat();
  if (rest.length) lines.push(`  … and ${rest.length} more processes (analyze --json lists them all)`);
  return lines;
}

/** A path as a shell word: quoted when it has characters a shell would split or expand. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Where a site allocates: its frame with the file's whole path, or its label (no symbol, no frame). */
function allocatedAt(g: GroupDiagnosis): string {
  return g.frames[0]?.function ? formatFrame(g.frames[0]) : label(g);
}
