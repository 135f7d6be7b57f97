import * as path from 'node:path';
import type { HeapSampler, LiveSamples, SampleNode } from './heap-sampler';

/** Built by `npm install` (scripts/build-addon.js) beside the compiled recorder. */
export const ADDON_FILE = path.join(__dirname, 'heap-sampler.node');

interface Addon {
  start(samplingInterval: number, stackDepth: number): boolean;
  stop(): void;
  /** Undefined when not sampling. */
  poll():
    | { samples: Float64Array; nodes: (number | string)[]; gcs: Float64Array; lastGcNs: number; lastMajorGcNs: number }
    | undefined;
  onMajorGc(callback: () => void): void;
  collectGarbage(): void;
  startMarking(): void;
  /** Missing from an addon built by an older leakhound. */
  threadCpuNs?(): number | undefined;
}

/** Frames kept per sample, as the inspector keeps them. */
const STACK_DEPTH = 128;
/** Values per node in the addon's flat list: id, parent, scriptId, line, name, url. */
const NODE_FIELDS = 6;

/**
 * V8's sampler read through the addon (addon/heap-sampler.cc): no GC is forced, so a
 * poll costs what copying the samples out costs (tens of µs at a 20 MB heap) and
 * polls can be frequent. A sample disappears at the natural GC that collects its
 * object; the addon times every GC (a GC callback: no JS object per GC, unlike
 * node's PerformanceObserver, whose entries the sampler would see as the program's)
 * and wakes the event loop after each full GC.
 */
export class AddonSampler implements HeapSampler {
  readonly kind = 'addon';
  /**
   * A poll with its bookkeeping takes 0.3 ms on a small program and 1.5 ms on an
   * express app (about half of it V8 building the profile): at 2.5 % of the time that
   * is a poll every 50–60 ms, 30 or more in two seconds, the shape of a short run.
   */
  readonly cadence = { budget: 0.025, minMs: 50, maxMs: 5_000 };
  readonly gcFreePolls = true;

  constructor(private readonly addon: Addon) {}

  start(samplingInterval: number): void {
    if (!this.addon.start(samplingInterval, STACK_DEPTH))
      throw new Error('V8 did not start its sampling heap profiler');
  }

  poll(): LiveSamples {
    const r = this.addon.poll();
    if (!r) throw new Error('the sampling heap profiler is not running');
    const nodes: SampleNode[] = [];
    for (let i = 0; i < r.nodes.length; i += NODE_FIELDS) {
      const [id, parent, scriptId, line, functionName, url] = r.nodes.slice(i, i + NODE_FIELDS);
      nodes.push({
        id: id as number,
        parent: parent as number,
        scriptId: scriptId as number,
        line: line as number,
        functionName: functionName as string,
        url: url as string,
      });
    }
    return {
      samples: r.samples,
      nodes,
      gcs: r.gcs,
      lastGcHrtimeNs: r.lastGcNs || undefined,
      lastMajorGcHrtimeNs: r.lastMajorGcNs || undefined,
    };
  }

  onMajorGc(callback: () => void): void {
    this.addon.onMajorGc(callback);
  }

  startCensus(): void {
    this.addon.startMarking();
  }

  collectGarbage(): void {
    this.addon.collectGarbage();
  }

  threadCpuNs(): number | undefined {
    return this.addon.threadCpuNs?.();
  }

  stop(): void {
    this.addon.stop();
  }
}

/** The addon for this node, or why it cannot be had (not built, another Node ABI). */
export function loadAddon(file = ADDON_FILE): { addon: Addon } | { reason: string } {
  try {
    return { addon: require(file) as Addon };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND')
      return { reason: `${file} was not built (npm install builds it with a C++ compiler)` };
    return { reason: (e.message ?? String(err)).split('\n')[0] };
  }
}
