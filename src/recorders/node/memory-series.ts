import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import type { LhpWriter } from '../../format/writer';
import { writeTreeSample } from '../rss/series';
import { TreeSampler } from '../rss/tree-sampler';

/** smaps_rollup costs about 1.5 ms a read: PSS and swap every 10 s. */
const ROLLUP_EVERY_MS = 10_000;

/** The process's resident memory, read by the sampler `watch` uses. */
export function selfSampler(): TreeSampler {
  return new TreeSampler(process.pid, { tree: false, rollupEveryMs: ROLLUP_EVERY_MS });
}

/**
 * Writes the process's memory figures as time-series points: `rss` (`pss`, `swap`)
 * from the sampler, the heap's from V8.
 */
export function sampleMemory(writer: LhpWriter, sampler: TreeSampler, nowNs: number): void {
  const m = process.memoryUsage();
  const own = sampler.sample(nowNs / 1e6);
  // without a readable /proc (not Linux) the sampler sees nothing: V8's figure then
  if (own.rootGone) writer.sample(nowNs, 'rss', m.rss);
  else writeTreeSample(writer, nowNs, own, false);
  writer.sample(nowNs, 'heap.used', m.heapUsed);
  writer.sample(nowNs, 'heap.total', m.heapTotal);
  // Outside the JS heap, so out of the heap sampler's sight: Buffers' and ArrayBuffers' memory.
  writer.sample(nowNs, 'external', m.external);
  writer.sample(nowNs, 'array-buffers', m.arrayBuffers);
}

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'gc.major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'gc.minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'gc.incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'gc.weakcb',
};

/** The series of a garbage collection of V8's GCType `kind` (what node's GC entries call their kind). */
export function gcSeries(kind: number | undefined): string {
  return (kind !== undefined && GC_KIND[kind]) || 'gc.other';
}

/**
 * Writes each garbage collection as a point of `gc.<kind>`: its pause in
 * nanoseconds, at its start. `clockOffsetNs` turns performance.now()'s
 * milliseconds into the stream's clock. (Each entry is a JS object made for it:
 * what the addon's GC timing avoids.)
 */
export function observeGarbageCollections(writer: LhpWriter, clockOffsetNs: number): PerformanceObserver {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      writer.sample(
        Math.max(0, Math.round(entry.startTime * 1e6 + clockOffsetNs)),
        gcSeries(kind),
        Math.round(entry.duration * 1e6),
      );
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}

/** performance.now() (ms) in nanoseconds on the clock whose reading now is `nowNs`. */
export function performanceClockOffset(nowNs: number): number {
  return nowNs - performance.now() * 1e6;
}
