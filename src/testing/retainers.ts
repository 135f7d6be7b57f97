import { HeapGraph } from './heap-snapshot';
import { SourceLocator } from './source-maps';

/**
 * Retainer paths: for each object asked for, the shortest chain of strong references
 * from the heap's roots to it (breadth first, weak references left out), the way
 * DevTools' "Retainers" view shows the closest one.
 */
export interface Hop {
  /** The holder's node. */
  from: number;
  edgeType: string;
  edgeName: string;
  /** The held node. */
  to: number;
}

export function shortestPaths(graph: HeapGraph, targets: number[]): Map<number, Hop[]> {
  const n = graph.nodeCount;
  const prevNode = new Int32Array(n).fill(-1);
  const prevEdge = new Int32Array(n).fill(-1);
  const queue = new Uint32Array(n);
  const wanted = new Set(targets);
  let remaining = wanted.size;
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  prevNode[0] = 0;
  const stride = graph.edgeStride;
  while (head < tail && remaining > 0) {
    const a = queue[head++];
    for (let e = graph.firstEdge[a]; e < graph.firstEdge[a + 1]; e += stride) {
      if (graph.edgeType(e) === 'weak') continue;
      const b = graph.edgeTarget(e);
      if (prevNode[b] !== -1) continue;
      prevNode[b] = a;
      prevEdge[b] = e;
      queue[tail++] = b;
      if (wanted.has(b)) remaining--;
    }
  }
  const paths = new Map<number, Hop[]>();
  for (const t of wanted) {
    if (prevNode[t] === -1) continue;
    const hops: Hop[] = [];
    for (let x = t; x !== 0; x = prevNode[x]) {
      const e = prevEdge[x];
      hops.push({ from: prevNode[x], edgeType: graph.edgeType(e), edgeName: graph.edgeName(e), to: x });
    }
    paths.set(t, hops); // from the target up to the root
  }
  return paths;
}

/** How a path's holders are named: objects by constructor, functions as `(closure) name`. */
function holderName(graph: HeapGraph, node: number): string {
  const type = graph.type(node);
  const name = graph.name(node);
  if (type === 'closure') return `(closure) ${name || '(anonymous)'}`;
  if (type === 'synthetic') return name;
  if (name.startsWith('system / ')) return `(${name.slice('system / '.length)})`;
  if (type === 'object') return name.split(' / ')[0] || 'Object';
  return name ? `${name}` : `(${type})`;
}

/** A script name as a user reads it: relative to the working directory when inside it. */
export function scriptName(script: string): string {
  let file = script;
  if (file.startsWith('file://')) {
    try {
      file = decodeURIComponent(new URL(file).pathname);
    } catch {
      return script;
    }
  }
  const cwd = process.cwd();
  return file.startsWith(cwd + '/') ? file.slice(cwd.length + 1) : file;
}

/** `file:line` where a closure's function is defined (in the source, through a source map when there is one). */
export function closureSite(graph: HeapGraph, closure: number, locator: SourceLocator): string | undefined {
  const loc = graph.closureLocation(closure);
  if (!loc) return undefined;
  const original = locator.original(loc, loc.scriptId);
  return `${scriptName(original.script)}:${original.line}`;
}

/** The class of an object: its prototype's `constructor` closure, when it has a location. */
export function classSite(graph: HeapGraph, object: number, locator: SourceLocator): string | undefined {
  const proto = graph.child(object, '__proto__');
  const ctor = proto === undefined ? undefined : graph.child(proto, 'constructor');
  return ctor === undefined || graph.type(ctor) !== 'closure' ? undefined : closureSite(graph, ctor, locator);
}

/**
 * A closure whose scope is `context`, to say where a variable lives: of all the
 * functions that close over it, the one defined first (the same one every run).
 */
function closureOfContext(graph: HeapGraph, context: number): number | undefined {
  const stride = graph.edgeStride;
  let best: number | undefined;
  let bestKey = '';
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.type(node) !== 'closure') continue;
    for (let e = graph.firstEdge[node]; e < graph.firstEdge[node + 1]; e += stride) {
      if (graph.edgeTarget(e) !== context || graph.edgeName(e) !== 'context') continue;
      const loc = graph.closureLocation(node);
      const key = loc
        ? `${loc.script}\0${String(loc.line).padStart(9, '0')}\0${String(loc.column).padStart(9, '0')}`
        : '\uffff';
      if (best === undefined || key < bestKey) {
        best = node;
        bestKey = key;
      }
    }
  }
  return best;
}

function isContext(graph: HeapGraph, node: number): boolean {
  return graph.name(node) === 'system / Context';
}

const MAX_HOPS_SHOWN = 6;

/**
 * A retainer path as one line, from the object up to the first thing a reader can
 * find in the source: a variable (with a function that closes over it, and where),
 * a property of a global object, or a GC root. Internal arrays (a Map's table, an
 * object's elements) fold into their owner; indices and keys are left out, so the
 * line is the same whichever leaked instance was picked.
 */
export function describePath(graph: HeapGraph, hops: Hop[], locator: SourceLocator): string {
  return pathDescriber(graph, locator)(hops);
}

/** describePath for many paths of one snapshot: what it looks up (a scope's closures) is looked up once. */
export function pathDescriber(graph: HeapGraph, locator: SourceLocator): (hops: Hop[]) => string {
  const scopes = new Map<number, string>();
  const scopeOf = (context: number): string => {
    let by = scopes.get(context);
    if (by === undefined) {
      const closure = closureOfContext(graph, context);
      const where = closure === undefined ? undefined : closureSite(graph, closure, locator);
      by =
        closure === undefined
          ? ''
          : `, closed over by ${graph.name(closure) || '(anonymous)'}${where ? ` (${where})` : ''}`;
      scopes.set(context, by);
    }
    return by;
  };
  return (hops) => describeHops(graph, hops, scopeOf);
}

function describeHops(graph: HeapGraph, hops: Hop[], scopeOf: (context: number) => string): string {
  const parts: string[] = [];
  let anchor: string | undefined;
  for (let i = 0; i < hops.length && anchor === undefined; i++) {
    const h = hops[i];
    const holderType = graph.type(h.from);
    if (isContext(graph, h.from) && h.edgeType !== 'internal') {
      // a variable: named when V8 knows the name (a function's scope), not in a block's
      const by = scopeOf(h.from);
      anchor = h.edgeType === 'context' ? `variable \`${h.edgeName}\`${by}` : `a block-scoped variable${by}`;
      break;
    }
    if (holderType === 'synthetic') {
      anchor = h.from === 0 ? '(GC roots)' : graph.name(h.from);
      break;
    }
    if (holderType === 'array' || holderType === 'hidden' || graph.name(h.from).startsWith('system / ')) {
      // an internal store: name it by its owner, the next hop up (a Map's table, an object's properties)
      const owner = hops[i + 1];
      if (owner && graph.type(owner.from) === 'object' && !graph.name(owner.from).startsWith('system / ')) {
        const ownerName = holderName(graph, owner.from);
        parts.push(
          owner.edgeName === 'table'
            ? `${ownerName} entry`
            : owner.edgeName === 'reactions_or_result'
              ? `${ownerName} result`
              : `${ownerName} (${owner.edgeName})`,
        );
        i++;
        continue;
      }
      continue;
    }
    const name = holderName(graph, h.from);
    // V8 links each realm's global object to the root by a shortcut
    const globalObject = hops[i + 1] !== undefined && hops[i + 1].from === 0 && hops[i + 1].edgeType === 'shortcut';
    if (globalObject && h.edgeType === 'property') {
      anchor = `globalThis.${h.edgeName}`;
      break;
    }
    if (h.edgeType === 'property') parts.push(`${name}.${h.edgeName}`);
    else if (h.edgeType === 'element') parts.push(`${name} element`);
    else if (h.edgeType === 'internal' && h.edgeName === 'context') parts.push(`scope of ${name}`);
    else if (h.edgeName === 'reactions_or_result') parts.push(`${name} result`);
    else parts.push(`${name} (${h.edgeName})`);
  }
  // a linked list (Timeout._idlePrev ← Timeout._idlePrev ← …) as one step: its length depends on the instance
  const collapsed: string[] = [];
  for (const p of parts) {
    const prev = collapsed[collapsed.length - 1];
    if (prev === p || prev === `${p} …`) collapsed[collapsed.length - 1] = `${p} …`;
    else collapsed.push(p);
  }
  const shown = collapsed.length > MAX_HOPS_SHOWN ? [...collapsed.slice(0, MAX_HOPS_SHOWN - 1), '…'] : collapsed;
  if (anchor !== undefined) shown.push(anchor);
  return shown.join(' ← ');
}
