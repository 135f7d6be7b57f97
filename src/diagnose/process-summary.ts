import type { Profile } from '../profile/profile';
import type { Diagnosis, GroupDiagnosis } from './diagnose';

/**
 * `program`: a process that does the work. `launcher`: one that only started another
 * (a wrapper, a shell, a shim: it has a child or a later image in the recording, and
 * made under a tenth of the allocations of the busiest process); listed, never the
 * process a recording's headline names (diagnose/recording.ts).
 */
export type ProcessRole = 'program' | 'launcher';

/** One process (or worker thread, or exec'd image) of a recording in a line: which it is, its verdict, where to look. */
export interface ProcessSummary {
  /** Its profile. */
  file: string;
  pid: number;
  /** Its command line. */
  command: string;
  verdict: Diagnosis['verdict'];
  /** The first frame of its most suspicious group; null when it has no group, or the group no frame of the program's own. */
  topFrame: GroupDiagnosis['frames'][number] | null;
  allocations: number;
  role: ProcessRole;
  /** What wrote its profile: `native`, `node` (the JS heap), `rss`, `simulate` or an importer's name. */
  recorder: string;
}

/** What tells a process's place in the recording's tree: who started it, when its profile began. */
export interface ProcessOrigin {
  ppid: number;
  /** The profile's start, monotonic nanoseconds: an exec'd image starts after the one it replaced. */
  startNs: bigint;
  /** A Node.js worker thread, which shares its process's pid. */
  workerThread: boolean;
}

/**
 * The summary of a diagnosed profile, as a `program` (the recording decides the role). A
 * header from another writer may lack pid and command: the process record fills in.
 */
export function summarizeProcess(
  file: string,
  profile: Profile,
  d: Diagnosis,
): { summary: ProcessSummary; origin: ProcessOrigin } {
  const { header } = profile;
  const pid = typeof header.pid === 'number' ? header.pid : (profile.processes[0]?.pid ?? 0);
  const record = profile.processes.find((p) => p.pid === pid);
  const command = record?.command || (Array.isArray(header.command) ? header.command.join(' ') : '');
  const thread = header.options?.thread;
  return {
    summary: {
      file,
      pid,
      command,
      verdict: d.verdict,
      topFrame: d.groups[0]?.frames[0] ?? null,
      allocations: d.allocations,
      role: 'program',
      recorder: header.recorder,
    },
    origin: {
      ppid: record?.ppid ?? 0,
      startNs: startOf(header.startNs),
      workerThread: typeof thread === 'number' && thread > 0,
    },
  };
}

function startOf(startNs: unknown): bigint {
  try {
    return BigInt(String(startNs));
  } catch {
    return 0n;
  }
}
