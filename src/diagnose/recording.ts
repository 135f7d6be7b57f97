import type { Profile } from '../profile/profile';
import { bySuspicion, diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis, UnattributedGrowth } from './diagnose';
import { externalHolders } from './external-holders';
import { ProcessOrigin, ProcessSummary, summarizeProcess } from './process-summary';

/** A profile of a recording, loaded only when diagnosed: a recording may hold dozens, diagnosed one at a time. */
export interface RecordingPart {
  file: string;
  load(): Profile;
}

/** Who a group or a series belongs to, in a recording of several processes. */
export interface Owner {
  pid: number;
  command: string;
}

/** A group of one of the recording's profiles (`profile`: its file; a worker thread shares its process's pid). */
export type RecordingGroup = GroupDiagnosis & Owner & { profile: string };
export type RecordingUnattributed = UnattributedGrowth & Owner;

/** A process of the recording with its own diagnosis. */
export interface DiagnosedProcess {
  summary: ProcessSummary;
  diagnosis: Diagnosis;
  /** A node recorded by both recorders (`record --native`): on its JS profile, the native profile of the same process. */
  nativeView?: DiagnosedProcess;
}

/**
 * The verdict of a whole recording: every profile it wrote (the one named, its
 * children, their exec'd images and worker threads), each diagnosed alike.
 */
export interface RecordingDiagnosis {
  /** `leak` when any process leaks. */
  verdict: Diagnosis['verdict'];
  /** The process the headline speaks of: the most suspicious leaking one, else the busiest program. */
  headline: DiagnosedProcess;
  /** The profile asked for (the first part). */
  named: DiagnosedProcess;
  /** Every process, those that matter first: leaking, then programs by allocations, then launchers. */
  processes: DiagnosedProcess[];
  /** The groups of every process, ranked together: a leaking process's first, launchers' last. */
  groups: RecordingGroup[];
  unattributed: RecordingUnattributed[];
  allocations: number;
  groupCount: number;
  /** The longest process's. */
  runtimeSeconds: number;
  /** The warnings that bear on the verdict: the named profile's and leaking processes', each with its file. */
  warnings: { file: string; warning: string }[];
  /** Profiles that could not be read, a line each (the first part's failure is thrown instead). */
  skipped: string[];
}

/**
 * Diagnoses each part (the first is the profile asked for: its failure to load is the
 * caller's error; another's is a line in `skipped`), decides who only launched whom,
 * and ranks every group together.
 */
export function diagnoseRecording(parts: RecordingPart[], options: DiagnoseOptions = {}): RecordingDiagnosis {
  const found: (DiagnosedProcess & { origin: ProcessOrigin })[] = [];
  const skipped: string[] = [];
  parts.forEach((part, i) => {
    let profile: Profile;
    try {
      profile = part.load();
    } catch (err) {
      if (i === 0) throw err;
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      // the loader's messages name the file already
      skipped.push(`${message.includes(part.file) ? message : `${part.file}: ${message}`} (skipped)`);
      return;
    }
    const diagnosis = diagnose(profile, options);
    found.push({ ...summarizeProcess(part.file, profile, diagnosis), diagnosis });
  });
  markLaunchers(found);
  pairViews(found);
  const processes: DiagnosedProcess[] = orderByImportance(found);
  const groups = mergeRanked(processes);
  const named = processes.find((p) => p.summary.file === parts[0].file) ?? processes[0];
  return {
    verdict: processes.some((p) => p.diagnosis.verdict === 'leak') ? 'leak' : 'no-leak',
    headline: processes[0],
    named,
    processes,
    groups,
    unattributed: processes.flatMap(({ summary, diagnosis }) =>
      diagnosis.unattributed.map((u) => ({ ...u, pid: summary.pid, command: summary.command })),
    ),
    allocations: sum(processes.map((p) => p.diagnosis.allocations)),
    groupCount: groups.length,
    runtimeSeconds: Math.max(...processes.map((p) => p.diagnosis.runtimeSeconds)),
    warnings: processes
      .filter((p) => p === named || p.diagnosis.verdict === 'leak')
      .flatMap((p) => p.diagnosis.warnings.map((warning) => ({ file: p.summary.file, warning }))),
    skipped,
  };
}

/**
 * A launcher: has a child or a later image here, and made under a tenth of the busiest
 * process's allocations. Its handful of start-up allocations (locale tables) cannot
 * show a trend: on the allocation work clock all of its work is start-up, so a site
 * there can read as steady growth. Its sites are never `leak`, and its verdict never
 * the recording's.
 */
function markLaunchers(found: (DiagnosedProcess & { origin: ProcessOrigin })[]): void {
  const busiest = Math.max(...found.map((p) => p.summary.allocations));
  for (const p of found) {
    const startedAnother = found.some(
      (q) =>
        q !== p &&
        (q.origin.ppid === p.summary.pid ||
          (q.summary.pid === p.summary.pid &&
            q.summary.recorder === p.summary.recorder && // a node's JS profile is another view, not another image
            !q.origin.workerThread &&
            q.origin.startNs > p.origin.startNs)),
    );
    if (!startedAnother || p.summary.allocations * 10 >= busiest) continue;
    p.summary.role = 'launcher';
    p.diagnosis = asLauncher(p.diagnosis);
    p.summary.verdict = p.diagnosis.verdict;
  }
}

/** A launcher's diagnosis: a site that read as a leak is `unclear`, saying why. */
function asLauncher(d: Diagnosis): Diagnosis {
  const groups = d.groups.map((g) =>
    g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit'
      ? {
          ...g,
          verdict: 'unclear' as const,
          explanation: `start-up of a launcher (a process that only started another, ${d.allocations} allocations): too little work to tell growth; was: ${g.explanation}`,
        }
      : g,
  );
  const leaking = d.unattributed.some((u) => u.verdict === 'leak');
  return { ...d, groups, verdict: leaking ? 'leak' : 'no-leak' };
}

/**
 * A node process recorded by both recorders (`record --native`): its JS profile gets
 * the native profile of the same process (its last native image: the one that ran
 * node) as `nativeView`, and the growth it sees outside the heap (Buffers, addons) is
 * named at the native sites that hold it.
 */
function pairViews(found: (DiagnosedProcess & { origin: ProcessOrigin })[]): void {
  for (const js of found) {
    if (js.summary.recorder !== 'node' || js.origin.workerThread) continue;
    const native = found
      .filter((p) => p.summary.recorder === 'native' && p.summary.pid === js.summary.pid)
      .sort((a, b) => (a.origin.startNs < b.origin.startNs ? 1 : -1))[0];
    if (!native) continue;
    js.nativeView = native;
    js.diagnosis.unattributed = externalHolders(js.diagnosis.unattributed, native.diagnosis);
  }
}

/** Leaking processes first, then programs, then launchers: the first key of both rankings. */
function tier(p: DiagnosedProcess): number {
  return p.diagnosis.verdict === 'leak' ? 0 : p.summary.role === 'program' ? 1 : 2;
}

/** Leaking processes by their most suspicious group, then programs by allocations, then launchers; else as found. */
function orderByImportance<T extends DiagnosedProcess>(found: T[]): T[] {
  return found
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const t = tier(a.p) - tier(b.p);
      if (t !== 0) return t;
      if (tier(a.p) === 0) {
        // a process may leak with no group of its own leaking (memory outside the sites): after those that do
        const [ga, gb] = [a.p.diagnosis.groups[0], b.p.diagnosis.groups[0]];
        return (ga && gb ? bySuspicion(ga, gb) : (ga ? 0 : 1) - (gb ? 0 : 1)) || a.i - b.i;
      }
      return b.p.summary.allocations - a.p.summary.allocations || a.i - b.i;
    })
    .map(({ p }) => p);
}

/**
 * The groups of all processes in one ranking. A merge, not a sort: each process's own
 * order (diagnose's, with unrounded confidences) is kept; a leaking process's groups
 * come before the others', launchers' last.
 */
function mergeRanked(processes: DiagnosedProcess[]): RecordingGroup[] {
  const next = processes.map(() => 0);
  const merged: RecordingGroup[] = [];
  for (;;) {
    let best = -1;
    for (let k = 0; k < processes.length; k++) {
      const g = processes[k].diagnosis.groups[next[k]];
      if (!g) continue;
      if (best < 0) {
        best = k;
        continue;
      }
      const other = processes[best];
      const order = tier(processes[k]) - tier(other) || bySuspicion(g, other.diagnosis.groups[next[best]]);
      if (order < 0) best = k;
    }
    if (best < 0) return merged;
    const { pid, command, file } = processes[best].summary;
    merged.push({ ...processes[best].diagnosis.groups[next[best]++], pid, command, profile: file });
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
