import type { Frame } from '../profile/frames';
import type { Profile } from '../profile/profile';
import type { AllocationList } from '../query/allocation-list';

/**
 * One frame of a flame graph: a function, and the leaked bytes of every stack that
 * passes through it below its parent (its children's values add up to at most its
 * own; the rest was allocated by the function itself).
 */
export interface FlameNode {
  name: string;
  file: string;
  /** The line of the first stack seen through this node (0 when unknown). */
  line: number;
  /** Leaked bytes (weights, for sampled recordings). */
  value: number;
  /** Callees, largest value first. */
  children: FlameNode[];
}

export interface FlameTreeOptions {
  /** Only these allocations (of the same profile); every allocation when omitted. */
  select?: AllocationList;
}

/**
 * The leaked bytes of a profile (allocations never freed, as `onlyLeaked`) as a call
 * tree: the root `all` holds the total, its children are the outermost frames (main,
 * a thread's start function), their children what they called, down to the function
 * that allocated. Stacks are stripped (`Backtrace.strip()`); a stack with no frame of
 * the program's own keeps its whole backtrace, and one with no frame at all counts in
 * the root only. Callers are merged by function and file: the same function at
 * another line of the same file is one node.
 *
 * Leaked bytes are summed per stack id in one pass over the columns, then only the
 * distinct stacks are walked: cheap for any number of allocations.
 */
export function leakedFlameTree(profile: Profile, options: FlameTreeOptions = {}): FlameNode {
  const perStack = leakedBytesPerStack(profile, options.select);
  const trie = new Trie();
  for (let stackId = 0; stackId < perStack.length; stackId++) {
    const bytes = perStack[stackId];
    if (bytes === 0) continue;
    const backtrace = profile.backtrace(stackId);
    const stripped = backtrace.strip().frames;
    trie.add(stripped.length > 0 ? stripped : backtrace.frames, bytes);
  }
  return trie.finish();
}

/** Leaked bytes per stack id: one pass over the columns (or over the selected indices). */
function leakedBytesPerStack(profile: Profile, select: AllocationList | undefined): Float64Array {
  const c = profile.columns;
  const { freeTime, stack } = c;
  const weight = c.weight ?? c.size;
  const perStack = new Float64Array(profile.stacks.length);
  if (select) {
    if (select.profile !== profile) throw new Error('leakedFlameTree: the selected allocations belong to another profile');
    const indices = select.indices();
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (freeTime[i] === Infinity) perStack[stack[i]] += weight[i];
    }
  } else {
    for (let i = 0; i < c.count; i++) if (freeTime[i] === Infinity) perStack[stack[i]] += weight[i];
  }
  return perStack;
}

/**
 * The call tree while it is built: nodes are numbers (0 is the root), children found
 * through one map keyed by (parent, site), where a site is a distinct (function, file).
 * No object per node until `finish`, so a tree of millions of nodes builds in a fraction of a second.
 */
class Trie {
  private readonly siteOfFrame = new Map<Frame, number>();
  private readonly siteByKey = new Map<string, number>();
  private readonly siteName: string[] = [];
  private readonly siteFile: string[] = [];
  /** (parent * 2^21 + site) → node, while sites fit in 21 bits; beyond, a string-keyed map. */
  private readonly childOf = new Map<number, number>();
  private readonly childOfWide = new Map<string, number>();
  private count = 1;
  private value = new Float64Array(1024);
  private site = new Int32Array(1024).fill(-1);
  private parent = new Int32Array(1024).fill(-1);
  private line = new Int32Array(1024);

  /** One stack (innermost frame first) and its bytes. */
  add(frames: readonly Frame[], bytes: number): void {
    let node = 0;
    this.value[0] += bytes;
    for (let k = frames.length - 1; k >= 0; k--) {
      node = this.child(node, frames[k]);
      this.value[node] += bytes;
    }
  }

  private siteOf(frame: Frame): number {
    let site = this.siteOfFrame.get(frame);
    if (site === undefined) {
      const name = frame.function || (frame.address ? `0x${frame.address.toString(16)}` : '??');
      const key = `${name}\0${frame.file}`;
      site = this.siteByKey.get(key);
      if (site === undefined) {
        site = this.siteName.length;
        this.siteName.push(name);
        this.siteFile.push(frame.file);
        this.siteByKey.set(key, site);
      }
      this.siteOfFrame.set(frame, site);
    }
    return site;
  }

  private child(parent: number, frame: Frame): number {
    const site = this.siteOf(frame);
    const narrow = site < SITE_LIMIT && parent < NODE_LIMIT;
    const key = narrow ? parent * SITE_LIMIT + site : `${parent}:${site}`;
    let node = narrow ? this.childOf.get(key as number) : this.childOfWide.get(key as string);
    if (node === undefined) {
      node = this.count++;
      if (node === this.value.length) this.grow();
      this.site[node] = site;
      this.parent[node] = parent;
      this.line[node] = frame.line;
      if (narrow) this.childOf.set(key as number, node);
      else this.childOfWide.set(key as string, node);
    }
    return node;
  }

  private grow(): void {
    const n = this.value.length * 2;
    const value = new Float64Array(n);
    value.set(this.value);
    const site = new Int32Array(n);
    site.set(this.site);
    const parent = new Int32Array(n);
    parent.set(this.parent);
    const line = new Int32Array(n);
    line.set(this.line);
    this.value = value;
    this.site = site;
    this.parent = parent;
    this.line = line;
  }

  /** The tree as FlameNodes, children largest first (ties by name, then file). */
  finish(): FlameNode {
    const nodes: FlameNode[] = new Array(this.count);
    nodes[0] = { name: 'all', file: '', line: 0, value: this.value[0], children: [] };
    // a node is always numbered after its parent
    for (let i = 1; i < this.count; i++) {
      const s = this.site[i];
      const node: FlameNode = { name: this.siteName[s], file: this.siteFile[s], line: this.line[i], value: this.value[i], children: [] };
      nodes[i] = node;
      nodes[this.parent[i]].children.push(node);
    }
    for (let i = 0; i < this.count; i++) {
      const children = nodes[i].children;
      if (children.length > 1) children.sort(byValueThenName);
    }
    return nodes[0];
  }
}

const SITE_LIMIT = 2 ** 21;
/** parent * SITE_LIMIT + site stays an exact integer. */
const NODE_LIMIT = 2 ** 31;

function byValueThenName(a: FlameNode, b: FlameNode): number {
  return b.value - a.value || compare(a.name, b.name) || compare(a.file, b.file);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
