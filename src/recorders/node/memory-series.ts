import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import type { LhpWriter } from '../../format/writer';

/** Writes the process's memory figures as time-series points. */
export function sampleMemory(writer: LhpWriter, nowNs: number): void {
  const m = process.memoryUsage();
  writer.sample(nowNs, 'rss', m.rss);
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

/**
 * Writes each garbage collection as a point of `gc.<kind>`: its pause in
 * nanoseconds, at its start. `clockOffsetNs` turns performance.now()'s
 * milliseconds into the stream's clock.
 */
export function observeGarbageCollections(writer: LhpWriter, clockOffsetNs: number): PerformanceObserver {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const series = (kind !== undefined && GC_KIND[kind]) || 'gc.other';
      writer.sample(Math.max(0, Math.round(entry.startTime * 1e6 + clockOffsetNs)), series, Math.round(entry.duration * 1e6));
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}

/** performance.now() (ms) in nanoseconds on the clock whose reading now is `nowNs`. */
export function performanceClockOffset(nowNs: number): number {
  return nowNs - performance.now() * 1e6;
}
