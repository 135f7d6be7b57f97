/** What a fuzz run found, as lines: the counts, each seed's, and the failures grouped by cause. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatCount, formatSeconds } from '../../src/util/units';
import { Failure, FuzzSummary } from './pool';

/** Failures with the same kind, message (numbers aside) and innermost frame of the project's own are one cause. */
function cause(f: Failure): string {
  const frames = f.stack?.split('\n') ?? [];
  const frame = frames.find((l) => l.includes('src/')) ?? frames[0] ?? '';
  return `${f.kind}: ${f.message.replace(/\d+/g, 'N')} ${frame}`.trim();
}

export function failureGroups(failures: readonly Failure[]): { cause: string; count: number; example: Failure }[] {
  const groups = new Map<string, { cause: string; count: number; example: Failure }>();
  for (const f of failures) {
    const key = cause(f);
    const group = groups.get(key) ?? { cause: key, count: 0, example: f };
    group.count++;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** The summary line first (what a log keeps), then the details; writes them to `outDir`/summary.txt when something failed. */
export function summaryLines(s: FuzzSummary, outDir: string): string[] {
  const kinds = new Map<string, number>();
  for (const f of s.failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const failed =
    s.failures.length === 0
      ? '0 failed'
      : `${formatCount(s.failures.length)} failed (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`;
  const rate = s.inputs / (s.elapsedMs / 1000);
  const lines = [
    `fuzz: ${formatCount(s.inputs)} inputs (seed ${s.seed}) in ${formatSeconds(s.elapsedMs / 1000)}: ${formatCount(s.ok)} analyzed, ${formatCount(s.refused)} refused in one line, ${failed}; ${formatCount(rate)} inputs/s (${formatCount(rate * 3600)} an hour)`,
    ...Object.entries(s.bySeed).map(
      ([seed, c]) =>
        `  ${seed.padEnd(18)} ${String(c.inputs).padStart(8)} inputs ${String(c.ok).padStart(8)} analyzed ${String(c.refused).padStart(8)} refused ${String(c.failed).padStart(6)} failed`,
    ),
  ];
  const groups = failureGroups(s.failures);
  if (groups.length > 0) {
    lines.push(`failures by cause (inputs and notes in ${outDir}):`);
    for (const g of groups)
      lines.push(
        `  ${g.count} × ${g.cause}`,
        `      e.g. ${path.basename(g.example.file)}: ${g.example.steps.join('; ')}`,
      );
    fs.writeFileSync(path.join(outDir, 'summary.txt'), `${lines.join('\n')}\n`);
  }
  return lines;
}
