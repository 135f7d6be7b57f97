import { SyncSession } from './session';

/**
 * A V8 heap snapshot, parsed: nodes and edges as the flat arrays V8 writes
 * (`snapshot.meta.node_fields`, `edge_fields`), with each node's first edge. Taken
 * through the same in-thread inspector session (synchronously: the chunks arrive
 * before the command's answer), after V8's own full garbage collection.
 */
interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
      location_fields?: string[];
    };
  };
  nodes: number[];
  edges: number[];
  locations?: number[];
  strings: string[];
}

export interface SourceLocation {
  script: string;
  /** 1-based, as editors show them. */
  line: number;
  column: number;
}

/** Where a function is defined, as V8 has it, with V8's id of the script. */
export interface ClosureLocation extends SourceLocation {
  scriptId: number;
}

export class HeapGraph {
  readonly nodeCount: number;
  private readonly nodes: number[];
  private readonly edges: number[];
  readonly strings: string[];
  private readonly nodeFields: number;
  private readonly edgeFields: number;
  private readonly nodeTypes: string[];
  private readonly edgeTypes: string[];
  private readonly typeField: number;
  private readonly nameField: number;
  private readonly idField: number;
  private readonly edgeCountField: number;
  private readonly edgeTypeField: number;
  private readonly edgeNameField: number;
  private readonly edgeToField: number;
  /** Index (in `edges`) of each node's first edge; one more entry for the end. */
  readonly firstEdge: Uint32Array;
  private readonly locations = new Map<number, [number, number, number]>();

  constructor(raw: RawSnapshot) {
    const meta = raw.snapshot.meta;
    this.nodes = raw.nodes;
    this.edges = raw.edges;
    this.strings = raw.strings;
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.typeField = meta.node_fields.indexOf('type');
    this.nameField = meta.node_fields.indexOf('name');
    this.idField = meta.node_fields.indexOf('id');
    this.edgeCountField = meta.node_fields.indexOf('edge_count');
    this.edgeTypeField = meta.edge_fields.indexOf('type');
    this.edgeNameField = meta.edge_fields.indexOf('name_or_index');
    this.edgeToField = meta.edge_fields.indexOf('to_node');
    this.nodeCount = this.nodes.length / this.nodeFields;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let i = 0, e = 0; i < this.nodeCount; i++) {
      this.firstEdge[i] = e;
      e += this.nodes[i * this.nodeFields + this.edgeCountField] * this.edgeFields;
      this.firstEdge[i + 1] = e;
    }
    const lf = meta.location_fields ?? [];
    const loc = raw.locations ?? [];
    const [oi, si, li, ci] = ['object_index', 'script_id', 'line', 'column'].map((f) => lf.indexOf(f));
    if (oi >= 0) {
      for (let k = 0; k + lf.length <= loc.length; k += lf.length) {
        this.locations.set(loc[k + oi] / this.nodeFields, [loc[k + si], loc[k + li], loc[k + ci]]);
      }
    }
  }

  type(node: number): string {
    return this.nodeTypes[this.nodes[node * this.nodeFields + this.typeField]];
  }

  name(node: number): string {
    return this.strings[this.nodes[node * this.nodeFields + this.nameField]];
  }

  id(node: number): number {
    return this.nodes[node * this.nodeFields + this.idField];
  }

  edgeType(edge: number): string {
    return this.edgeTypes[this.edges[edge + this.edgeTypeField]];
  }

  /** An edge's name: a property or variable name, or an element's index as a string. */
  edgeName(edge: number): string {
    const t = this.edgeType(edge);
    const v = this.edges[edge + this.edgeNameField];
    return t === 'element' || t === 'hidden' ? String(v) : this.strings[v];
  }

  edgeTarget(edge: number): number {
    return this.edges[edge + this.edgeToField] / this.nodeFields;
  }

  get edgeStride(): number {
    return this.edgeFields;
  }

  /** The node an edge of `node` named `name` leads to. */
  child(node: number, name: string): number | undefined {
    for (let e = this.firstEdge[node]; e < this.firstEdge[node + 1]; e += this.edgeFields) {
      if (this.edgeType(e) !== 'element' && this.edgeName(e) === name) return this.edgeTarget(e);
    }
    return undefined;
  }

  /** Node index by heap object id (`HeapProfiler.getHeapObjectId`). */
  nodesById(ids: Set<number>): Map<number, number> {
    const found = new Map<number, number>();
    for (let i = 0; i < this.nodeCount; i++) {
      const id = this.id(i);
      if (ids.has(id)) found.set(id, i);
    }
    return found;
  }

  /** Where a closure's function is defined: the snapshot's location and its script's name. */
  closureLocation(node: number): ClosureLocation | undefined {
    const loc = this.locations.get(node);
    if (!loc) return undefined;
    const shared = this.child(node, 'shared');
    const script =
      shared === undefined ? undefined : (this.child(shared, 'script_or_debug_info') ?? this.child(shared, 'script'));
    const name = script === undefined ? '' : this.name(script);
    if (!name || name.startsWith('system /')) return undefined;
    return { script: name, scriptId: loc[0], line: loc[1] + 1, column: loc[2] + 1 };
  }
}

export function takeHeapSnapshot(session: SyncSession): HeapGraph {
  const chunks: string[] = [];
  const onChunk = (m: { params: never }): void => {
    chunks.push((m.params as { chunk: string }).chunk);
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  return new HeapGraph(JSON.parse(chunks.join('')) as RawSnapshot);
}
