import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_BUILTIN_MODULE } from '../../format/constants';
import type { LhpWriter } from '../../format/writer';
import type { LiveSamples, SampleNode } from './heap-sampler';

/**
 * Turns successive polls of V8's live heap samples into lifetimes. A sample that
 * appears is written as an alloc, one that disappears as a free. V8 gives samples
 * no time, but their ids count samples taken, so an allocation is dated between
 * the two polls around it in proportion to its id: allocation progress, not just
 * the poll's time. A sample disappears at the GC that collects its object: the
 * free is dated at the latest GC since the last poll when the sampler knows it,
 * else at the poll.
 */
export class SampleLifetimes {
  /** Tree node id → its frames, innermost first, or null inside the recorder (node ids are stable while sampling runs). */
  private readonly framesOf = new Map<number, number[] | null>();
  /** Tree node id → stack id; none for nodes inside the recorder itself, whose samples are left out. */
  private readonly stackOf = new Map<number, number>();
  private live = new Set<number>();
  private lastPollNs = 0;
  private lastSampleId = 0;

  constructor(
    private readonly writer: LhpWriter,
    private readonly thread: number,
  ) {}

  /**
   * Writes what changed since the last poll, taken at `nowNs`; `lastGcNs` is when
   * the latest GC ended, on the same clock, if known.
   */
  record(poll: LiveSamples, nowNs: number, lastGcNs?: number): { born: number; died: number } {
    for (const node of poll.nodes) this.learn(node);
    const { samples } = poll;
    let maxId = this.lastSampleId;
    for (let i = 0; i < samples.length; i += 3) if (samples[i] > maxId) maxId = samples[i];
    const span = Math.max(1, maxId - this.lastSampleId);
    const now = new Set<number>();
    let born = 0;
    for (let i = 0; i < samples.length; i += 3) {
      const id = samples[i];
      const stack = this.stackOf.get(samples[i + 1]);
      if (stack === undefined) continue;
      now.add(id);
      if (this.live.has(id)) continue;
      const progress = Math.min(1, Math.max(0, (id - this.lastSampleId) / span));
      const time = Math.round(this.lastPollNs + progress * (nowNs - this.lastPollNs));
      // V8 reports what the sample stands for (an object of s bytes, sampled with
      // probability 1 − e^(−s/interval), reports s / that), not the object's own size,
      // which cannot be solved back for objects smaller than the interval.
      this.writer.alloc(time, id + 1, samples[i + 2], stack, this.thread);
      born++;
    }
    const diedAt =
      lastGcNs !== undefined && lastGcNs > this.lastPollNs && lastGcNs <= nowNs ? Math.round(lastGcNs) : nowNs;
    let died = 0;
    for (const id of this.live) {
      if (now.has(id)) continue;
      this.writer.free(diedAt, id + 1);
      died++;
    }
    this.live = now;
    this.lastPollNs = nowNs;
    this.lastSampleId = maxId;
    return { born, died };
  }

  private learn(node: SampleNode): void {
    if (this.framesOf.has(node.id)) return;
    const parentFrames = this.framesOf.get(node.parent);
    // The recorder's own code, and what it calls, is not the program's: null leaves it out.
    // The root is V8's "(root)": not a frame of the program.
    const frames =
      parentFrames === null || isRecorderCode(node.url)
        ? null
        : node.parent === 0 && node.functionName === '(root)'
          ? []
          : [this.frame(node), ...(parentFrames ?? [])];
    this.framesOf.set(node.id, frames);
    if (frames && frames.length > 0) this.stackOf.set(node.id, this.writer.stack(frames));
  }

  private frame(node: SampleNode): number {
    const { functionName, scriptId, url, line } = node;
    return this.writer.frame({
      function: functionName || '(anonymous)',
      file: scriptPath(url),
      line,
      // Script 0 holds V8's builtins (Array.prototype.push, String.prototype.repeat). A
      // script of the program that was collected also loses its url, but keeps its id.
      module: scriptId === 0 && !functionName.startsWith('(') ? V8_BUILTIN_MODULE : '',
    });
  }
}

/** leakhound's own code (dist/): the recorder's allocations are not the program's. */
const RECORDER_ROOT = path.resolve(__dirname, '../..');

function isRecorderCode(url: string): boolean {
  return scriptPath(url).startsWith(RECORDER_ROOT + path.sep);
}

/** CommonJS scripts are named by their path, ES modules by a file: URL. */
function scriptPath(url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url;
}
