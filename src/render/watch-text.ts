import type { MemoryTrend } from '../diagnose/memory-trend';
import type { WatchState } from '../diagnose/memory-watch';
import type { WatchSummary } from '../diagnose/watch-summary';
import { formatBytes, formatPerMinute, formatSeconds } from '../util/units';

/** The growth part of a line: rate and interval once there is a verdict. */
export function growthText(trend: MemoryTrend): string {
  if (trend.verdict === 'warming up') return 'warming up';
  if (trend.verdict === 'stable') return 'stable';
  if (trend.verdict === 'plateau')
    return `plateau (rose, then levelled off; confidence ${trend.confidence.toFixed(2)})`;
  const interval = `95 % ${formatPerMinute(trend.bytesPerSecondLow)} to ${formatPerMinute(trend.bytesPerSecondHigh)}`;
  return `${trend.verdict} ${formatPerMinute(trend.bytesPerSecond)} (${interval}, confidence ${trend.confidence.toFixed(2)})`;
}

/** One sample as a line (`watch` when stdout is not a terminal). */
export function sampleLine(state: WatchState): string {
  const s = state.sample;
  const memory = [`rss ${formatBytes(s.rss)}`];
  if (s.pss !== undefined) memory.push(`pss ${formatBytes(s.pss)}`);
  if (s.swap) memory.push(`swap ${formatBytes(s.swap)}`);
  const count = s.processes.length === 1 ? '' : `  (${s.processes.length} processes)`;
  return `${formatSeconds(state.seconds).padStart(8)}  ${memory.join('  ')}  ${growthText(state.total)}${count}`;
}

const HOW_IT_ENDED: Record<WatchSummary['end'], string> = {
  duration: 'at the end of --duration',
  exited: 'when the program exited',
  signal: 'when interrupted',
  gone: 'when the process disappeared',
};

/** The verdict, the evidence, and each process of the tree. */
export function summaryText(w: WatchSummary): string {
  const whose =
    w.processes.length > 1 ? `the tree's resident memory (${w.processes.length} processes)` : 'resident memory';
  const lines = [`verdict: ${w.verdict} — ${whose}: ${w.total.explanation}`];
  if (w.verdict === 'growing' && w.total.verdict !== 'growing')
    lines.push('  one process grows on its own (below), though the total does not show it');
  if (w.processes.length > 1) {
    lines.push('processes:');
    for (const p of w.processes) {
      const life = p.gone ? `, exited at ${formatSeconds(p.lastSeconds)}` : '';
      lines.push(
        `  ${String(p.pid).padStart(7)}  ${formatBytes(p.rss).padStart(10)}  ${growthText(p.trend)}  ${p.command}${life}`,
      );
    }
  }
  const code = w.exitCode !== undefined ? `; the program exited with code ${w.exitCode}` : '';
  lines.push(
    `watched ${w.root.command} (pid ${w.root.pid}) for ${formatSeconds(w.seconds)}, ${w.samples} samples, ending ${HOW_IT_ENDED[w.end]}${code}`,
  );
  for (const warning of w.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}
