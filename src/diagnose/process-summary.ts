import type { Profile } from '../profile/profile';
import type { Diagnosis, GroupDiagnosis } from './diagnose';

/** One process (or worker thread) of a recording in a line: which it is, its verdict, where to look. */
export interface ProcessSummary {
  /** Its profile. */
  file: string;
  pid: number;
  /** Its command line. */
  command: string;
  verdict: Diagnosis['verdict'];
  /** The first frame of its most suspicious group; null when it has no group, or the group no frame of the program's own. */
  topFrame: GroupDiagnosis['frames'][number] | null;
}

/** The summary of a diagnosed profile. A header from another writer may lack pid and command: the process record fills in. */
export function summarizeProcess(file: string, profile: Profile, d: Diagnosis): ProcessSummary {
  const { header } = profile;
  const pid = typeof header.pid === 'number' ? header.pid : (profile.processes[0]?.pid ?? 0);
  const recorded = profile.processes.find((p) => p.pid === pid)?.command;
  const command = recorded || (Array.isArray(header.command) ? header.command.join(' ') : '');
  return { file, pid, command, verdict: d.verdict, topFrame: d.groups[0]?.frames[0] ?? null };
}
