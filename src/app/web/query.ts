import { types } from 'node:util';
import * as vm from 'node:vm';
import { Backtrace } from '../../profile/backtrace';
import { Profile } from '../../api/profile';
import { Allocation } from '../../query/allocation';
import { AllocationList } from '../../query/allocation-list';
import { Graph } from '../../api/graph';
import { AllocationGroup, AllocationGroupList } from '../../query/group-list';
import { scriptApi } from '../../script/script-api';
import { totalsOf } from '../../profile/totals';
import { formatBytes, formatSeconds } from '../../util/units';
import { label, siteCell, siteOf } from '../../views/label';
import { BadRequest } from './filters';
import type { UiViews } from './views';

/** The query box's limits: how long an expression may run, how much it may print and return. */
export interface QueryLimits {
  timeoutMs: number;
  /** Lines of println kept (the rest are counted). */
  printedLines: number;
  /** Characters of a `value` result's JSON. */
  jsonChars: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { timeoutMs: 10_000, printedLines: 1000, jsonChars: 1 << 20 };

/** Groups shown for a list result (its largest, as `groupByBacktrace().sortBySize()`), and at most for a group list. */
const LIST_GROUPS = 20;
const MAX_GROUP_ROWS = 500;

/** A group of the query box's results, by backtrace (stack id), not by site. */
export interface QueryGroupRow {
  stackId: number;
  count: number;
  bytes: number;
  leakedCount: number;
  leakedBytes: number;
  /** The verdict of the site the stack belongs to. */
  verdict: string | null;
  frame: { function: string; file: string; line: number } | null;
}

/** What an expression gave, as the page shows it. */
export type QueryValue =
  | { kind: 'graph'; svg: string }
  | { kind: 'list'; len: number; bytes: number; groupCount: number; groups: QueryGroupRow[] }
  | { kind: 'groups'; len: number; rows: QueryGroupRow[] }
  | { kind: 'text'; text: string }
  /** `json`: the value as JSON text. */
  | { kind: 'value'; json: string }
  /** The expression had no value (`println(…)`, a declaration). */
  | { kind: 'none' };

/** The value, and the lines println printed. */
export type QueryResult = QueryValue & { printed: string[] };

/**
 * Evaluates a query expression (or a few statements: the last one's value is the
 * result) with the script API in scope — allocations(), graph(), data(), diagnose(),
 * println(), profile — in a fresh `node:vm` context that has nothing else: no require,
 * no process, no timers. Shaping the result (which runs the lazy chain) happens in the
 * same context, so the timeout covers it too.
 *
 * A vm context is no security boundary (the API's functions come from this realm):
 * what keeps strangers from running code here is that the server listens on loopback
 * and refuses cross-site requests.
 */
export function runQuery(views: UiViews, expression: string, limits: QueryLimits = DEFAULT_QUERY_LIMITS): QueryResult {
  const profile = views.profile;
  const printed: string[] = [];
  let dropped = 0;
  const api = scriptApi(profile, {
    outputDir: '.',
    argv: [],
    out: (line) => (printed.length < limits.printedLines ? printed.push(line) : dropped++),
    note: () => {},
  });
  const sandbox: Record<string, unknown> = {
    ...api,
    graph: () => unsavable(api.graph()),
    profile: new Proxy(profile, {
      get: (target, key) => {
        if (key === 'graph') return () => unsavable(target.graph());
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }),
    __shape: (value: unknown) => shape(views, value, limits),
  };
  const context = vm.createContext(sandbox, {
    name: 'leakhound query',
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  const started = Date.now();
  const remaining = () => Math.max(1, limits.timeoutMs - (Date.now() - started));
  let result: QueryValue;
  try {
    const script = new vm.Script(expression, { filename: 'query' });
    sandbox.__value = script.runInContext(context, { timeout: remaining() });
    result = vm.runInContext('__shape(__value)', context, { timeout: remaining() }) as QueryValue;
  } catch (err) {
    throw new BadRequest(describe(err, limits));
  }
  if (dropped > 0) printed.push(`… ${dropped} more lines not shown`);
  return { ...result, printed };
}

/** The error as one line: its kind (unless a plain Error) and message. */
function describe(err: unknown, limits: QueryLimits): string {
  const e = err as { code?: string; name?: string; message?: string } | null;
  if (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
    return `the query ran longer than ${formatSeconds(limits.timeoutMs / 1000)} and was stopped`;
  if (e && typeof e === 'object' && typeof e.message === 'string') {
    const message = e.message.split('\n')[0];
    return e.name && e.name !== 'Error' ? `${e.name}: ${message}` : message;
  }
  return `the query threw ${String(err).split('\n')[0]}`;
}

/**
 * A graph whose `save()` refuses: the web UI draws graphs, it writes no file. Graphs
 * made from it (`add`, `with`) refuse too.
 */
function unsavable(graph: Graph): Graph {
  return new Proxy(graph, {
    get(target, key) {
      if (key === 'save') {
        return () => {
          throw new Error(
            'save() writes a file, which the web UI does not do: leave it out and the graph is drawn here',
          );
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const r = (value as (...a: unknown[]) => unknown).apply(target, args);
        return r instanceof Graph ? unsavable(r) : r;
      };
    },
  });
}

function shape(views: UiViews, value: unknown, limits: QueryLimits): QueryValue {
  if (value instanceof Graph) return { kind: 'graph', svg: value.toSvg() };
  if (value instanceof AllocationList) {
    const groups = value.groupByBacktrace().sortBySize();
    return {
      kind: 'list',
      len: value.len(),
      bytes: value.size(),
      groupCount: groups.len(),
      groups: groups.take(LIST_GROUPS).groups.map((g) => groupRow(views, g)),
    };
  }
  if (value instanceof AllocationGroupList)
    return { kind: 'groups', len: value.len(), rows: value.take(MAX_GROUP_ROWS).groups.map((g) => groupRow(views, g)) };
  if (value instanceof AllocationGroup) return { kind: 'groups', len: 1, rows: [groupRow(views, value)] };
  if (value instanceof Allocation) return { kind: 'text', text: allocationText(value) };
  if (value instanceof Backtrace) return { kind: 'text', text: value.toString() || '(no frames)' };
  if (value instanceof Profile) return { kind: 'value', json: JSON.stringify(value.data(), null, 2) };
  if (value === undefined) return { kind: 'none' };
  if (types.isPromise(value))
    throw new Error('the expression gave a promise: the query box runs synchronously (leave out async and await)');
  if (typeof value === 'function') {
    const name = value.name || 'a function';
    return { kind: 'text', text: `${name} is a function: call it, as in ${value.name ? `${value.name}()` : 'f()'}` };
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !isPlain(value) &&
    !types.isSet(value) &&
    !types.isMap(value) &&
    !ArrayBuffer.isView(value)
  ) {
    // an object of its own kind: its toString when it has one
    const text = String(value);
    if (!/^\[object [^\]]*\]$/.test(text)) return { kind: 'text', text };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value, replacer, 2);
  } catch (err) {
    throw new Error(`the result cannot be shown as JSON: ${(err as Error).message}`);
  }
  if (json === undefined) return { kind: 'text', text: String(value) };
  if (json.length > limits.jsonChars)
    throw new Error(`the result is too large to show (${formatBytes(json.length)} of JSON): narrow it down`);
  return { kind: 'value', json };
}

/** An object literal of any realm (the query's own objects come from its context). */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** JSON for what JSON.stringify cannot take as it is. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  // of either realm: the query's own Sets and Maps are its context's
  if (types.isSet(value)) return [...(value as Set<unknown>)];
  if (types.isMap(value)) return Object.fromEntries(value as Map<unknown, unknown>);
  if (types.isTypedArray(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Profile) return '[profile]';
  if (value instanceof Allocation)
    return {
      index: value.index,
      size: value.size,
      allocatedAt: value.allocatedAt,
      deallocatedAt: value.deallocatedAt,
      stackId: value.stackId,
    };
  if (value instanceof AllocationList || value instanceof AllocationGroupList || value instanceof AllocationGroup)
    return `[${value.constructor.name} of ${value.len()}]`;
  if (value instanceof Backtrace) return value.toString().split('\n');
  if (typeof value === 'function') return `[function ${value.name}]`;
  return value;
}

function groupRow(views: UiViews, g: AllocationGroup): QueryGroupRow {
  const { leakedCount, leakedBytes } = totalsOf(views.profile.columns, g.allocations().indices());
  return {
    stackId: g.stackId,
    count: g.len(),
    bytes: g.size(),
    leakedCount,
    leakedBytes,
    verdict: views.siteOf(g.stackId)?.verdict ?? null,
    frame: siteCell(siteOf(g.backtrace())),
  };
}

function allocationText(a: Allocation): string {
  const thread = a.thread;
  const lines = [
    `allocation ${a.index}: ${formatBytes(a.size)}${a.weight !== a.size ? ` (stands for ${formatBytes(a.weight)})` : ''}, allocated at ${formatSeconds(a.allocatedAt)}, ` +
      (a.leaked ? 'never freed' : `freed at ${formatSeconds(a.deallocatedAt!)}`) +
      `, lived ${formatSeconds(a.lifetime)}`,
    `thread ${thread ? `${thread.tid}${thread.name ? ` (${thread.name})` : ''}` : '?'}, stack ${a.stackId}`,
    a.backtrace().strip().toString() || label(siteOf(a.backtrace())),
  ];
  return lines.join('\n');
}
