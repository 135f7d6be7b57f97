import { Diagnosis, DiagnoseOptions, retainedTest } from '../diagnose/diagnose';
import { shownFrames } from '../profile/backtrace';
import { Frame, frameName } from '../profile/frames';
import type { Profile } from '../profile/profile';
import { allocationSites } from '../profile/sites';
import { stackTotals } from '../profile/totals';
import type { AllocationList } from '../query/allocation-list';
import { isLeakVerdict } from './verdict-order';

/**
 * One frame of a flame graph: a function, and the bytes (never freed, or retained by
 * the leak sites: FlameTreeOptions.weigh) of every stack that passes through it below
 * its parent (its children's values add up to at most its own; the rest was allocated
 * by the function itself).
 */
export interface FlameNode {
  name: string;
  file: string;
  /** The line of the first stack seen through this node (0 when unknown). */
  line: number;
  /** Bytes (weights, for sampled recordings). */
  value: number;
  /** Callees, largest value first. */
  children: FlameNode[];
}

/**
 * What a flame graph's widths weigh. `never-freed`: every byte never freed (bytehound's
 * "leaked", `onlyNeverFreed`). `leak-sites`: only the bytes the sites with a leak verdict
 * (`leak`, `leak-freed-at-exit`) retain, as their `retainedBytes` sum them: what the
 * verdict is about, with bounded caches and pools left out.
 */
export type FlameWeight = 'never-freed' | 'leak-sites';

export interface FlameTreeOptions {
  /** Only these allocations (of the same profile); every allocation when omitted. */
  select?: AllocationList;
  /** Default `never-freed`; `leak-sites` needs `diagnosis`. */
  weigh?: FlameWeight;
  /** The profile's diagnosis, whose leak sites `leak-sites` weighs. */
  diagnosis?: Diagnosis;
  /** The options the diagnosis was made with (they place the end of the work). */
  diagnoseOptions?: DiagnoseOptions;
}

/**
 * The bytes of a profile as a call tree (never freed by default, see FlameWeight): the
 * root `all` holds the total, its children are the outermost frames (main,
 * a thread's start function), their children what they called, down to the function
 * that allocated. Stacks are stripped (`Backtrace.strip()`); a stack with no frame of
 * the program's own keeps its whole backtrace, and one with no frame at all counts in
 * the root only. Callers are merged by location (function and file): the same function at
 * another line of the same file is one node.
 *
 * Bytes are summed per stack id in one pass over the columns, then only the
 * distinct stacks are walked: cheap for any number of allocations.
 */
export function leakedFlameTree(profile: Profile, options: FlameTreeOptions = {}): FlameNode {
  const select = options.select;
  if (select && select.profile !== profile)
    throw new Error('leakedFlameTree: the selected allocations belong to another profile');
  const only = select?.indices();
  const perStack =
    options.weigh === 'leak-sites'
      ? leakSiteBytes(profile, options.diagnosis, options.diagnoseOptions, only)
      : stackTotals(profile, { only }).leakedBytes;
  const paths = new Paths();
  for (let stackId = 0; stackId < perStack.length; stackId++) {
    if (perStack[stackId] === 0) continue;
    paths.add(stackId, shownFrames(profile.backtrace(stackId)), perStack[stackId]);
  }
  return paths.tree();
}

/** Per stack id, the bytes retained by the allocations of the diagnosis's leak sites (of `only`, when given). */
function leakSiteBytes(
  profile: Profile,
  diagnosis: Diagnosis | undefined,
  options: DiagnoseOptions | undefined,
  only: ArrayLike<number> | undefined,
): Float64Array {
  if (!diagnosis) throw new Error("leakedFlameTree: weighing 'leak-sites' needs the profile's diagnosis");
  const perStack = new Float64Array(profile.stacks.length);
  const leakSites = new Set(diagnosis.groups.filter((g) => isLeakVerdict(g.verdict)).map((g) => g.stackId));
  if (leakSites.size === 0) return perStack;
  const site = allocationSites(profile);
  const ofLeakSite = Uint8Array.from(site, (s) => (leakSites.has(s) ? 1 : 0));
  const retained = retainedTest(profile, options);
  const { stack } = profile.columns;
  const weight = profile.columns.weight ?? profile.columns.size;
  const n = only ? only.length : profile.columns.count;
  for (let k = 0; k < n; k++) {
    const i = only ? only[k] : k;
    if (ofLeakSite[stack[i]] === 1 && retained(i)) perStack[stack[i]] += weight[i];
  }
  return perStack;
}

/**
 * The distinct stacks as paths of locations, outermost first (a location is a
 * function in a file, whatever the line), made into a tree by sorting them: stacks that share a prefix are
 * then neighbours, so each only adds the nodes after the prefix it shares with the one
 * before. No lookup per frame and no object per node until the end: millions of nodes
 * build in a fraction of a second.
 */
class Paths {
  private readonly locationOfFrame = new Map<Frame, number>();
  private readonly locationByKey = new Map<string, number>();
  private readonly locationName: string[] = [];
  private readonly locationFile: string[] = [];
  private readonly stackIds: number[] = [];
  private readonly bytes: number[] = [];
  /** Path k is locations[start[k] … start[k + 1]), lines alongside. */
  private readonly start: number[] = [0];
  private locations = new Int32Array(1024);
  private lines = new Int32Array(1024);

  /** A stack (frames innermost first, as backtraces hold them) and its bytes; stack ids ascending. */
  add(stackId: number, frames: readonly Frame[], bytes: number): void {
    const from = this.start[this.start.length - 1];
    const to = from + frames.length;
    if (to > this.locations.length) this.grow(to);
    for (let k = 0; k < frames.length; k++) {
      const frame = frames[frames.length - 1 - k];
      this.locations[from + k] = this.locationOf(frame);
      this.lines[from + k] = frame.line;
    }
    this.stackIds.push(stackId);
    this.bytes.push(bytes);
    this.start.push(to);
  }

  tree(): FlameNode {
    const { locations, lines, start } = this;
    const paths = this.bytes.length;
    const order = Array.from({ length: paths }, (_, k) => k);
    order.sort((a, b) => {
      const la = start[a + 1] - start[a];
      const lb = start[b + 1] - start[b];
      const n = Math.min(la, lb);
      for (let i = 0; i < n; i++) {
        const d = locations[start[a] + i] - locations[start[b] + i];
        if (d !== 0) return d;
      }
      return la - lb || a - b;
    });

    // Nodes as numbers (0 is the root) in typed arrays; at most one per frame.
    const most = start[paths] + 1;
    const value = new Float64Array(most);
    const location = new Int32Array(most);
    const parent = new Int32Array(most);
    const line = new Int32Array(most);
    /** The path (in order of stack ids) a node's line comes from: the first to pass through it. */
    const lineFrom = new Int32Array(most);
    let count = 1;
    const path: number[] = [0]; // the previous path's nodes, root first
    let previous = -1;
    for (const k of order) {
      const from = start[k];
      const depth = start[k + 1] - from;
      let shared = 0;
      if (previous >= 0) {
        const n = Math.min(depth, start[previous + 1] - start[previous]);
        while (shared < n && locations[from + shared] === locations[start[previous] + shared]) shared++;
      }
      path.length = shared + 1;
      value[0] += this.bytes[k];
      for (let d = 0; d < depth; d++) {
        let node: number;
        if (d < shared) {
          node = path[d + 1];
          if (k < lineFrom[node]) {
            lineFrom[node] = k;
            line[node] = lines[from + d];
          }
        } else {
          node = count++;
          location[node] = locations[from + d];
          parent[node] = path[d];
          line[node] = lines[from + d];
          lineFrom[node] = k;
          path.push(node);
        }
        value[node] += this.bytes[k];
      }
      previous = k;
    }

    const nodes: FlameNode[] = new Array(count);
    nodes[0] = { name: 'all', file: '', line: 0, value: value[0], children: [] };
    // a node is always numbered after its parent
    for (let i = 1; i < count; i++) {
      const s = location[i];
      const node: FlameNode = {
        name: this.locationName[s],
        file: this.locationFile[s],
        line: line[i],
        value: value[i],
        children: [],
      };
      nodes[i] = node;
      nodes[parent[i]].children.push(node);
    }
    for (let i = 0; i < count; i++) {
      const children = nodes[i].children;
      if (children.length > 1) children.sort(byValueThenName);
    }
    return nodes[0];
  }

  private locationOf(frame: Frame): number {
    let location = this.locationOfFrame.get(frame);
    if (location === undefined) {
      const name = frameName(frame);
      const key = `${name}\0${frame.file}`;
      location = this.locationByKey.get(key);
      if (location === undefined) {
        location = this.locationName.length;
        this.locationName.push(name);
        this.locationFile.push(frame.file);
        this.locationByKey.set(key, location);
      }
      this.locationOfFrame.set(frame, location);
    }
    return location;
  }

  private grow(atLeast: number): void {
    const n = Math.max(atLeast, this.locations.length * 2);
    const locations = new Int32Array(n);
    locations.set(this.locations);
    const lines = new Int32Array(n);
    lines.set(this.lines);
    this.locations = locations;
    this.lines = lines;
  }
}

function byValueThenName(a: FlameNode, b: FlameNode): number {
  return b.value - a.value || compare(a.name, b.name) || compare(a.file, b.file);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
