/**
 * A `.heapprofile`: V8's sampling heap profile as JSON, written by `node --heap-prof`
 * and saved by Chrome DevTools (Memory → Allocation sampling), read as the records of
 * an .lhp stream. docs/IMPORT.md describes the conversion.
 *
 *   { "head": { "callFrame": { "functionName", "scriptId", "url", "lineNumber", "columnNumber" },
 *               "selfSize", "id", "children": [ …nodes ] },
 *     "samples": [ { "size", "nodeId", "ordinal" }, … ] }
 *
 * It holds the samples still alive when it was taken, each with the call tree node that
 * allocated it and the bytes it stands for; no times and no frees. So every sample is an
 * allocation at time 0 that is never freed, in the order of its ordinal.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { V8_BUILTIN_MODULE } from '../format/constants';
import { describeFsError, LhpError } from '../format/errors';
import { LhpVisitor } from '../format/reader';
import { formatBytes } from '../util/units';
import { ImportedFrom, ImportResult, importedHeader } from './result';

interface CallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  selfSize?: number;
  children?: ProfileNode[];
}
interface Sample {
  size: number;
  nodeId: number;
  ordinal: number;
}

const IMPORTED: ImportedFrom = { format: 'heapprofile', lifetimes: false };
const NOT_OURS = 'not a leakhound, heaptrack or .heapprofile file';
/** `node --heap-prof` names its files Heap.<date>.<time>.<pid>.<thread>.<sequence>.heapprofile. */
const NODE_FILE_NAME = /^Heap\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.heapprofile$/;

export function importHeapprofile(path: string, visitor: LhpVisitor): ImportResult {
  const profile = parse(path);
  const builder = new RecordBuilder(visitor);
  const stackOf = builder.tree(path, profile.head);
  const warnings = [
    `${path}: a .heapprofile has no lifetimes and no times: it shows what was alive when it was taken, not what grows; every site is unclear (record with leakhound record -- node … for lifetimes)`,
  ];
  let count = 0;
  const samples = profile.samples;
  if (samples && samples.length > 0) {
    const sorted = samples.map((s, i) => checkSample(path, s, i)).sort((a, b) => a.ordinal - b.ordinal);
    const orphans = { count: 0, bytes: 0 };
    for (const s of sorted) {
      const stack = stackOf(s.nodeId);
      if (stack === undefined) {
        orphans.count++;
        orphans.bytes += s.size;
        continue;
      }
      // V8 reports what a sample stands for (scaled by its sampling odds) as its size, as the Node.js recorder writes it
      visitor.alloc(0, address(count++), s.size, stack, 0, s.size);
    }
    // node --heap-prof: the last samples, taken while the profile was being written, can name nodes it lacks
    if (orphans.count > 0) {
      warnings.push(
        `${path}: ${orphans.count} of its ${sorted.length} samples (${formatBytes(orphans.bytes)}) belong to no node of its call tree: left out`,
      );
    }
  } else {
    // DevTools' older files have no samples: each node's selfSize stands as one allocation
    for (const { id, selfSize } of builder.nodes) {
      if (selfSize > 0) visitor.alloc(0, address(count++), selfSize, stackOf(id)!, 0, selfSize);
    }
    if (count > 0) warnings.push(`${path} has no samples: each function's self size is counted as one allocation`);
  }
  const pid = NODE_FILE_NAME.exec(nodePath.basename(path))?.[1];
  return {
    header: importedHeader({ recorder: 'heapprofile', ...(pid ? { pid: Number(pid) } : {}) }),
    compressed: false,
    records: count,
    truncated: false,
    clean: true,
    warnings,
    imported: IMPORTED,
  };
}

const address = (k: number): number => (k + 1) * 16;

function parse(path: string): { head: ProfileNode; samples?: Sample[] } {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
    throw new LhpError(
      `${path} is ${NOT_OURS}: it begins like JSON but is not valid JSON (${(err as Error).message.split('\n')[0]})`,
    );
  }
  const o = json as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new LhpError(`${path} is ${NOT_OURS}: JSON, but not an object`);
  if (!isNode(o.head)) {
    const what =
      'snapshot' in o
        ? 'a V8 heap snapshot (.heapsnapshot)'
        : 'timeDeltas' in o
          ? 'a CPU profile (.cpuprofile)'
          : 'JSON without the call tree (head) of a .heapprofile';
    throw new LhpError(`${path} is ${NOT_OURS}: ${what}`);
  }
  if (o.samples !== undefined && !Array.isArray(o.samples))
    throw new LhpError(`${path} is corrupt: its samples are not a list`);
  return { head: o.head, samples: o.samples as Sample[] | undefined };
}

function isNode(n: unknown): n is ProfileNode {
  const node = n as ProfileNode;
  return (
    typeof node === 'object' &&
    node !== null &&
    typeof node.callFrame === 'object' &&
    node.callFrame !== null &&
    typeof node.id === 'number'
  );
}

function checkSample(path: string, s: Sample, index: number): Sample {
  if (
    typeof s !== 'object' ||
    s === null ||
    !(s.size >= 0) ||
    !Number.isFinite(s.size) ||
    typeof s.nodeId !== 'number'
  ) {
    throw new LhpError(`${path} is corrupt: sample ${index} lacks a size or a node`);
  }
  return { size: Math.round(s.size), nodeId: s.nodeId, ordinal: typeof s.ordinal === 'number' ? s.ordinal : index };
}

/** Interns strings and frames into the visitor, as LhpWriter does into a file. */
class RecordBuilder {
  readonly nodes: { id: number; selfSize: number }[] = [];
  private readonly strings = new Map<string, number>([['', 0]]);
  private readonly frames = new Map<string, number>();
  private stacks = 0;

  constructor(private readonly visitor: LhpVisitor) {}

  /** Defines the frames of the call tree; returns node id → stack id (innermost first), defined on first use. */
  tree(path: string, head: ProfileNode): (nodeId: number) => number | undefined {
    const frameOf = new Map<number, number>();
    const parentOf = new Map<number, number>();
    // V8's head is "(root)": not a frame of the program
    const todo: { node: ProfileNode; parent: number }[] = [{ node: head, parent: -1 }];
    while (todo.length > 0) {
      const { node, parent } = todo.pop()!;
      if (!isNode(node)) throw new LhpError(`${path} is corrupt: a node of its call tree lacks an id or a call frame`);
      if (frameOf.has(node.id))
        throw new LhpError(`${path} is corrupt: node ${node.id} appears twice in its call tree`);
      const root = parent === -1 && node.callFrame.functionName === '(root)';
      frameOf.set(node.id, root ? -1 : this.frame(node.callFrame));
      parentOf.set(node.id, parent);
      this.nodes.push({ id: node.id, selfSize: typeof node.selfSize === 'number' ? node.selfSize : 0 });
      for (const child of Array.isArray(node.children) ? node.children : [])
        todo.push({ node: child, parent: node.id });
    }
    const stackOf = new Map<number, number>();
    return (nodeId) => {
      let id = stackOf.get(nodeId);
      if (id === undefined) {
        if (!frameOf.has(nodeId)) return undefined;
        const frames: number[] = [];
        for (let n = nodeId; n !== -1; n = parentOf.get(n)!) {
          const f = frameOf.get(n)!;
          if (f >= 0) frames.push(f);
        }
        id = this.stacks++;
        this.visitor.stack(id, Uint32Array.from(frames));
        stackOf.set(nodeId, id);
      }
      return id;
    };
  }

  /** A JavaScript frame as the Node.js recorder writes it (recorders/node/sample-lifetimes.ts). */
  private frame(callFrame: CallFrame): number {
    const functionName = String(callFrame.functionName ?? '');
    const url = String(callFrame.url ?? '');
    const fn = functionName || '(anonymous)';
    const file = url.startsWith('file://') ? safeFilePath(url) : url;
    const line = typeof callFrame.lineNumber === 'number' && callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0;
    // script 0 holds V8's builtins (Array.prototype.push); "(program)" and the like are V8's pseudo frames
    const module = String(callFrame.scriptId) === '0' && !functionName.startsWith('(') ? V8_BUILTIN_MODULE : '';
    const key = `${fn}\0${file}\0${line}\0${module}`;
    let id = this.frames.get(key);
    if (id === undefined) {
      id = this.frames.size;
      this.visitor.frame(id, 0, this.string(fn), this.string(file), line, this.string(module));
      this.frames.set(key, id);
    }
    return id;
  }

  private string(text: string): number {
    let id = this.strings.get(text);
    if (id === undefined) {
      id = this.strings.size;
      this.visitor.string(id, text);
      this.strings.set(text, id);
    }
    return id;
  }
}

function safeFilePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}
