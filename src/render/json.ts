import type { Diagnosis } from '../diagnose/diagnose';
import type { ProcessSummary } from '../diagnose/process-summary';

/**
 * The `analyze --json` object (the contract in docs/CLI.md): overall verdict, then groups most
 * suspicious first; `processes`: the recording's other profiles, which leave `verdict` alone.
 */
export function diagnosisJson(d: Diagnosis, source: string, top: number, processes: ProcessSummary[]): object {
  return {
    verdict: d.verdict,
    groups: d.groups.slice(0, top),
    unattributed: d.unattributed,
    residentMemory: d.residentMemory,
    source,
    runtimeSeconds: d.runtimeSeconds,
    allocations: d.allocations,
    groupCount: d.groupCount,
    imported: d.imported,
    warnings: d.warnings,
    processes,
  };
}
