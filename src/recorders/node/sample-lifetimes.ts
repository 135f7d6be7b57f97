import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_BUILTIN_MODULE } from '../../format/constants';
import type { LhpWriter } from '../../format/writer';

/** The parts of `HeapProfiler.getSamplingProfile`'s answer the recorder reads. */
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
 * Turns successive snapshots of V8's live heap samples into lifetimes. A sample
 * that appears is written as an alloc, one that disappears as a free at the poll
 * that missed it. V8 gives samples no time, but their ordinals count samples
 * taken, so an allocation is dated between the two polls around it in proportion
 * to its ordinal: allocation progress, not just the poll's time.
 */
export class SampleLifetimes {
  /** Profile node id → its frames, innermost first, or null inside the recorder (node ids are stable while sampling runs). */
  private readonly framesOf = new Map<number, number[] | null>();
  /** Profile node id → stack id; none for nodes inside the recorder itself, whose samples are left out. */
  private readonly stackOf = new Map<number, number>();
  private live = new Set<number>();
  private lastPollNs = 0;
  private lastOrdinal = 0;

  constructor(
    private readonly writer: LhpWriter,
    private readonly thread: number,
  ) {}

  /** Writes what changed since the last poll, taken at `nowNs`. */
  record(profile: SamplingProfile, nowNs: number): { born: number; died: number } {
    this.learnNodes(profile.head, []);
    let maxOrdinal = this.lastOrdinal;
    for (const s of profile.samples) if (s.ordinal > maxOrdinal) maxOrdinal = s.ordinal;
    const span = Math.max(1, maxOrdinal - this.lastOrdinal);
    const now = new Set<number>();
    let born = 0;
    for (const s of profile.samples) {
      const stack = this.stackOf.get(s.nodeId);
      if (stack === undefined) continue;
      now.add(s.ordinal);
      if (this.live.has(s.ordinal)) continue;
      const progress = Math.min(1, Math.max(0, (s.ordinal - this.lastOrdinal) / span));
      const time = Math.round(this.lastPollNs + progress * (nowNs - this.lastPollNs));
      // V8 reports what the sample stands for (an object of s bytes, sampled with
      // probability 1 − e^(−s/interval), reports s / that), not the object's own size,
      // which cannot be solved back for objects smaller than the interval.
      this.writer.alloc(time, s.ordinal + 1, s.size, stack, this.thread);
      born++;
    }
    let died = 0;
    for (const ordinal of this.live) {
      if (now.has(ordinal)) continue;
      this.writer.free(nowNs, ordinal + 1);
      died++;
    }
    this.live = now;
    this.lastPollNs = nowNs;
    this.lastOrdinal = maxOrdinal;
    return { born, died };
  }

  private learnNodes(node: ProfileNode, parentFrames: number[]): void {
    let frames = this.framesOf.get(node.id);
    if (frames === undefined) {
      // The recorder's own code, and what it calls, is not the program's: null leaves it out.
      // The head is V8's "(root)": not a frame of the program.
      frames = isRecorderCode(node.callFrame.url) ? null : parentFrames.length === 0 && node.callFrame.functionName === '(root)' ? [] : [this.frame(node), ...parentFrames];
      this.framesOf.set(node.id, frames);
      if (frames && frames.length > 0) this.stackOf.set(node.id, this.writer.stack(frames));
    }
    if (frames === null) return;
    for (const child of node.children) this.learnNodes(child, frames);
  }

  private frame(node: ProfileNode): number {
    const { functionName, scriptId, url, lineNumber } = node.callFrame;
    return this.writer.frame({
      function: functionName || '(anonymous)',
      file: scriptPath(url),
      line: lineNumber >= 0 ? lineNumber + 1 : 0,
      // Script 0 holds V8's builtins (Array.prototype.push, String.prototype.repeat). A
      // script of the program that was collected also loses its url, but keeps its id.
      module: scriptId === '0' && !functionName.startsWith('(') ? V8_BUILTIN_MODULE : '',
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
