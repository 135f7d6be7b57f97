/** Exporters: a Profile in formats other tools read. See docs/EXPORT.md. */
export { collapsedStacks, CollapsedOptions } from './collapsed';
export { pprofBytes, pprofProfile, PprofOptions } from './pprof';
export { speedscopeFile, SpeedscopeFile, SpeedscopeOptions } from './speedscope';
export { writeParquet } from './parquet';
export { stackTotals, StackTotals, StackValue, STACK_VALUES } from './stack-totals';

export const EXPORT_FORMATS = ['pprof', 'speedscope', 'collapsed', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What an output is named after its recording (`run.lhp` → `run.pb.gz`). */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = {
  pprof: '.pb.gz',
  speedscope: '.speedscope.json',
  collapsed: '.collapsed',
  parquet: '.parquet',
};

/** The stacks table beside a Parquet export: `run.parquet` → `run.stacks.parquet`. */
export function stacksPathFor(allocationsPath: string): string {
  return allocationsPath.endsWith('.parquet')
    ? `${allocationsPath.slice(0, -'.parquet'.length)}.stacks.parquet`
    : `${allocationsPath}.stacks.parquet`;
}
