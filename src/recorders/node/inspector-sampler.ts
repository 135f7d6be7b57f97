import * as inspector from 'node:inspector';
import { isMainThread } from 'node:worker_threads';
import type { HeapSampler, LiveSamples, SampleNode } from './heap-sampler';

/** The parts of `HeapProfiler.getSamplingProfile`'s answer the sampler reads. */
export interface SamplingProfile {
  head: ProfileNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number };
  children: ProfileNode[];
}

/**
 * V8's sampler through an in-thread inspector session: available everywhere, but
 * every `getSamplingProfile` is a full mark-compact (the inspector asks for
 * kSamplingForceGC), tens of ms on a 30 MB heap, and it throws away optimized code
 * that the program re-optimizes: a poll costs 5–10× its pause (bench:node). Polls
 * are spaced so their pauses are 0.5 % of the time.
 */
export class InspectorSampler implements HeapSampler {
  readonly kind = 'inspector';
  readonly cadence = { budget: 0.005, minMs: 500, maxMs: 60_000 };
  readonly gcFreePolls = false; // each poll is a full GC
  private readonly session = new inspector.Session();

  start(samplingInterval: number): void {
    this.session.connect();
    this.post('HeapProfiler.startSampling', { samplingInterval });
  }

  poll(): LiveSamples {
    return liveSamplesOf(this.post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile').profile);
  }

  onMajorGc(): void {
    // every poll is a full GC: nothing to wait for
  }

  startCensus(): void {
    // every poll is one
  }

  collectGarbage(): void {
    // every poll collects garbage first
  }

  /** The process's CPU time stands in for the thread's where it is the main one (V8's helper threads count too). */
  threadCpuNs(): number | undefined {
    if (!isMainThread) return undefined;
    const { user, system } = process.cpuUsage();
    return (user + system) * 1e3;
  }

  stop(): void {
    this.post('HeapProfiler.stopSampling');
    this.session.disconnect();
  }

  /** In-thread inspector sessions answer synchronously. */
  private post<T>(method: string, params?: object): T {
    let answer: { error: Error | null; result?: T } | undefined;
    this.session.post(method, params, (error, result) => (answer = { error, result: result as T }));
    if (!answer) throw new Error(`${method} did not answer synchronously`);
    if (answer.error) throw answer.error;
    return answer.result as T;
  }
}

/** The inspector's tree and samples in the sampler's shape (its lines are 0-based, -1 when unknown). */
export function liveSamplesOf(profile: SamplingProfile): LiveSamples {
  const nodes: SampleNode[] = [];
  const visit = (node: ProfileNode, parent: number): void => {
    const { functionName, scriptId, url, lineNumber } = node.callFrame;
    nodes.push({
      id: node.id,
      parent,
      functionName,
      url,
      scriptId: Number(scriptId),
      line: lineNumber >= 0 ? lineNumber + 1 : 0,
    });
    for (const child of node.children) visit(child, node.id);
  };
  visit(profile.head, 0);
  const samples = new Float64Array(profile.samples.length * 3);
  profile.samples.forEach((s, i) => {
    samples.set([s.ordinal, s.nodeId, s.size], i * 3);
  });
  return { samples, nodes };
}
