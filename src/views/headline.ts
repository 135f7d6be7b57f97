import type { Diagnosis } from '../diagnose/diagnose';
import type { RecordingDiagnosis } from '../diagnose/recording';
import { isLeakVerdict } from './verdict-order';

/** The verdict in a line, as a report's and the web UI's title. */
export function headline(d: Diagnosis): string {
  if (d.imported?.lifetimes === false) {
    return `UNCLEAR: ${d.groupCount} allocation sites hold memory, but a .heapprofile shows what was alive when it was taken, not what grows`;
  }
  const leaking = d.groups.filter((g) => isLeakVerdict(g.verdict)).length;
  const outside = d.unattributed.filter((u) => u.verdict === 'leak').map((u) => u.series);
  const growingOutside = `memory outside the allocation sites grows (${outside.join(', ')})`;
  if (leaking > 0) {
    const sites = `LEAK: ${leaking} of ${d.groupCount} allocation sites retain growing memory`;
    return outside.length ? `${sites}; ${growingOutside}` : sites;
  }
  if (outside.length) return `LEAK: ${growingOutside}; none of ${d.groupCount} allocation sites retains growing memory`;
  return `NO LEAK: none of ${d.groupCount} allocation sites retains growing memory`;
}

/**
 * The verdict of a whole recording in a line: a profile's own headline when it is the
 * only one; else the leaking process named (a launcher never is), or no leak in any.
 */
export function recordingHeadline(rd: RecordingDiagnosis): string {
  if (rd.processes.length === 1) return headline(rd.headline.diagnosis);
  const { summary, diagnosis } = rd.headline;
  if (rd.verdict === 'no-leak')
    return `NO LEAK: none of ${rd.groupCount} allocation sites in ${rd.processes.length} processes retains growing memory`;
  const others = rd.processes.filter((p) => p !== rd.headline && p.diagnosis.verdict === 'leak').length;
  const more = others === 0 ? '' : `; ${others} other process${others === 1 ? ' leaks' : 'es leak'} too`;
  return `LEAK in pid ${summary.pid} (${shortCommand(summary.command)}): ${headline(diagnosis).replace(/^LEAK: /, '')}${more}`;
}

/** A command line cut to a glance: a shim's or a script's can run to pages. */
export function shortCommand(command: string, width = 60): string {
  const line = command.replace(/\s+/g, ' ').trim() || '?';
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
