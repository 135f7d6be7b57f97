import type { Comparison, SiteSide } from '../diagnose/compare/compare';

/** `compare --json`: one object, the contract in docs/COMPARE.md (fields may be added, meanings never change). */
export function comparisonJson(c: Comparison): object {
  return {
    outcome: !c.comparable
      ? 'not-compared'
      : c.regression
        ? 'regression'
        : c.counts['fixed-leak']
          ? 'fixed'
          : 'no-change',
    regression: c.regression,
    comparable: c.comparable,
    thresholdPercent: c.thresholdPercent,
    base: c.base,
    head: c.head,
    counts: c.counts,
    sites: c.sites.map((s) => ({
      outcome: s.outcome,
      site: s.site,
      base: side(s.base),
      head: side(s.head),
      growthChange: s.growthChange,
      growthChangeLow: s.growthChangeLow,
      reason: s.reason,
    })),
    notes: c.notes,
  };
}

function side(s: SiteSide | null): object | null {
  if (!s) return null;
  return {
    verdict: s.verdict,
    confidence: s.confidence,
    growthBytesPerSecond: s.growthBytesPerSecond,
    growthBytesPer1kAllocations: s.growthBytesPer1kAllocations,
    retainedBytes: s.retainedBytes,
    retainedCount: s.retainedCount,
    groups: s.groups,
    sampled: s.sampled,
    processes: s.processes,
    frames: s.frames,
  };
}
