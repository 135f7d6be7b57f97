/**
 * What the recorder reads V8's sampling heap profiler through. Two ways, one shape:
 * the addon (addon/heap-sampler.cc, built by `npm install`), whose polls collect no
 * garbage, and the inspector, whose polls each force a full GC. The recorder uses
 * the addon wherever it loads.
 */
import { AddonSampler, loadAddon } from './addon-sampler';
import { InspectorSampler } from './inspector-sampler';

export interface HeapSampler {
  readonly kind: 'addon' | 'inspector';
  /** How often polls may come: the next waits until the last one's pause is `budget` of the gap, within [minMs, maxMs]. */
  readonly cadence: { budget: number; minMs: number; maxMs: number };
  /**
   * Polls collect no garbage: a sample disappears only when a GC collects its
   * object, and an old object only at a full GC. The recorder then polls right after
   * each full GC and asks for censuses (below) so that full GCs are not rare. Such a
   * sampler also times the GCs itself (`LiveSamples.gcs`).
   */
  readonly gcFreePolls: boolean;
  /** `callback` runs from the event loop soon after each full GC (never where every poll is one). */
  onMajorGc(callback: () => void): void;
  start(samplingInterval: number): void;
  /** The samples alive now, and the tree nodes that may be new. */
  poll(): LiveSamples;
  /**
   * A census of what is alive: V8's own incremental marking, started now, runs beside
   * the program and ends in a full GC.
   */
  startCensus(): void;
  /** Full GCs before an exact poll (at exit, at a dump): what is garbage then disappears. */
  collectGarbage(): void;
  /** CPU time (ns) this thread has run, where it can be read: the program's work clock. */
  threadCpuNs(): number | undefined;
  stop(): void;
}

export interface LiveSamples {
  /** [sampleId, nodeId, bytes] for each live sample; `bytes` is what the sample stands for (size × count). */
  samples: Float64Array;
  /** Nodes of the allocation tree, parents before children; those known from an earlier poll may be left out. */
  nodes: SampleNode[];
  /** The GCs since the last poll, when the sampler times them: [start (hrtime ns), pause (ns), V8's GCType] each. */
  gcs?: Float64Array;
  /** hrtime (ns) at which the latest GC, and the latest full GC, ended, when known: samples gone since the last poll died by then. */
  lastGcHrtimeNs?: number;
  lastMajorGcHrtimeNs?: number;
}

export interface SampleNode {
  id: number;
  /** 0 for the root. */
  parent: number;
  functionName: string;
  url: string;
  /** 0 holds V8's builtins. */
  scriptId: number;
  /** 1-based; 0 when unknown. */
  line: number;
}

/**
 * The addon where it loads, else the inspector, with the reason the addon was not
 * used (undefined when it was, or when `useAddon` is off).
 */
export function openHeapSampler(useAddon: boolean): { sampler: HeapSampler; fallback?: string } {
  if (!useAddon) return { sampler: new InspectorSampler() };
  const loaded = loadAddon();
  if ('addon' in loaded) return { sampler: new AddonSampler(loaded.addon) };
  return { sampler: new InspectorSampler(), fallback: loaded.reason };
}
