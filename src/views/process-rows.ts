import type { ProcessSummary } from '../diagnose/process-summary';
import { shortCommand } from './headline';

/**
 * The processes of a recording as rows, in the order given (those that matter first).
 * Processes of one command, verdict and role share a row, so 80 runs of a helper read
 * as one; a leaking process, and each that `ownRow` picks, has a row of its own.
 */
export function processRows(
  processes: ProcessSummary[],
  ownRow: (p: ProcessSummary) => boolean = () => false,
): ProcessSummary[][] {
  const rows = new Map<string, ProcessSummary[]>();
  for (const p of processes) {
    const key =
      p.verdict === 'leak' || ownRow(p) ? `\0${p.file}` : `${p.verdict}\0${p.role}\0${shortCommand(p.command)}`;
    const row = rows.get(key);
    if (row) row.push(p);
    else rows.set(key, [p]);
  }
  return [...rows.values()];
}
