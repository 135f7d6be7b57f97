import type { RecordingDiagnosis } from '../diagnose/recording';

/**
 * The `analyze --json` object (the contract in docs/CLI.md) of a whole recording: its
 * verdict, then the groups of all its processes, most suspicious first, each with its pid
 * and command; `process`: the one the verdict names; `processes`: the recording's other
 * profiles. `residentMemory`, `imported` and `sampling` are the named profile's.
 */
export function diagnosisJson(rd: RecordingDiagnosis, source: string, top: number): object {
  const named = rd.named.diagnosis;
  return {
    verdict: rd.verdict,
    groups: rd.groups.slice(0, top),
    unattributed: rd.unattributed,
    residentMemory: named.residentMemory,
    source,
    runtimeSeconds: rd.runtimeSeconds,
    allocations: rd.allocations,
    groupCount: rd.groupCount,
    imported: named.imported,
    sampling: named.sampling,
    warnings: rd.warnings.map(({ file, warning }) =>
      file === rd.named.summary.file ? warning : `${file}: ${warning}`,
    ),
    process: rd.headline.summary,
    processes: rd.processes.filter((p) => p !== rd.named).map((p) => p.summary),
  };
}
