import type { Diagnosis } from '../diagnose/diagnose';

/** The `analyze --json` object (the contract in DESIGN.md): overall verdict, then groups most suspicious first. */
export function diagnosisJson(d: Diagnosis, source: string, top: number): object {
  return {
    verdict: d.verdict,
    groups: d.groups.slice(0, top),
    source,
    runtimeSeconds: d.runtimeSeconds,
    allocations: d.allocations,
    groupCount: d.groupCount,
    warnings: d.warnings,
  };
}
