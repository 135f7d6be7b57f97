import * as path from 'node:path';
import { format } from 'node:util';
import { diagnose } from '../diagnose/diagnose';
import type { Profile } from '../api/profile';
import { Graph } from '../api/graph';

/**
 * What a `leakhound script` sees, as bytehound's scripting console: the verbs
 * read like the case study's sentences (`graph().add('Leaked', allocations().onlyLeaked()).save()`).
 */
export interface ScriptApi {
  /** The recording. */
  profile: Profile;
  /** Every allocation, as a list to narrow (docs/QUERY.md). */
  allocations: Profile['allocations'];
  /**
   * An empty graph; `save()` without a file writes the next numbered SVG in the output
   * directory. A graph with nothing to draw is not written: a line on stderr says why.
   */
  graph: () => Graph;
  /** Totals: `{ runtime, allocations, frees, allocatedBytes, leakedBytes }`. */
  data: Profile['data'];
  /** The verdicts `leakhound analyze` gives. */
  diagnose: () => ReturnType<typeof diagnose>;
  /** Prints a line: `println('Total: {}', n)` fills each `{}` in turn; objects print their toString (a backtrace, its frames). */
  println: (...values: unknown[]) => void;
  /** The script's own arguments (after the profile). */
  argv: string[];
}

export interface ScriptApiOptions {
  /** Where numbered graphs go. */
  outputDir: string;
  argv: string[];
  /** Where println writes, and where a saved graph is announced. */
  out: (line: string) => void;
  note: (line: string) => void;
}

export function scriptApi(profile: Profile, options: ScriptApiOptions): ScriptApi {
  let graphs = 0;
  const defaultFile = () => {
    const file = path.join(options.outputDir, `graph-${++graphs}.svg`);
    options.note(`graph ${graphs}: ${file}`);
    return file;
  };
  // an empty graph still takes its number: graph N is the script's N-th save() without a file
  const onEmpty = (title: string | undefined, why: string, file: string | undefined) =>
    options.note(`${file ?? `graph ${++graphs}`}${title ? ` ("${title}")` : ''} not written: ${why}`);
  return {
    profile,
    allocations: () => profile.allocations(),
    graph: () => new Graph(profile, [], { defaultFile, onEmpty }),
    data: () => profile.data(),
    diagnose: () => diagnose(profile),
    println: (...values) => options.out(printable(values)),
    argv: options.argv,
  };
}

/** bytehound's `println("{}", x)`, and console.log's formatting otherwise. */
function printable(values: unknown[]): string {
  // an object with a toString of its own (a backtrace) prints that; arrays and plain objects as console.log does
  const ownText = (v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && v.toString !== Object.prototype.toString;
  const text = values.map((v) => (ownText(v) ? String(v) : v));
  const [first, ...rest] = text;
  if (typeof first === 'string' && first.includes('{}')) {
    let k = 0;
    const filled = first.replace(/\{\}/g, () => (k < rest.length ? String(rest[k++]) : '{}'));
    return rest.length > k ? format(filled, ...rest.slice(k)) : filled;
  }
  return text.length === 0 ? '' : format(...(text as [unknown, ...unknown[]]));
}
