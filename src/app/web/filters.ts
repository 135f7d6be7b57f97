import { RE2JS } from 're2js';
import type { Verdict } from '../../diagnose/classify';
import type { Profile } from '../../api/profile';
import type { AllocationList } from '../../query/allocation-list';
import { whereBacktrace } from '../../query/verbs/stack-test';

/** The verdicts a site can have, most suspicious first (the order of `diagnose`'s ranking). */
export const VERDICTS: readonly Verdict[] = ['leak', 'leak-freed-at-exit', 'unclear', 'bounded', 'temporary'];

/** A request the server cannot answer as asked: a 400 with this message. */
export class BadRequest extends Error {}

/**
 * The web UI's filters, as its query string carries them. Sizes are bytes, bounds
 * included; lifetimes and the time window are seconds (`from` included, `to` not, as
 * `onlyAllocatedAfter` / `onlyAllocatedBefore`); `function` and `file` are regex sources
 * matched as `onlyPassingThroughFunction` / `onlyPassingThroughSource` do, but by RE2
 * (re2js): linear time in the name, so no pattern can hold the server (`(a+)+$` would
 * backtrack for ever in JavaScript's engine); RE2 has no lookaround or backreferences.
 */
export interface Filters {
  /** Sites with one of these verdicts; null for every verdict. */
  verdicts: Verdict[] | null;
  minSize?: number;
  maxSize?: number;
  minLifetime?: number;
  maxLifetime?: number;
  from?: number;
  to?: number;
  function?: string;
  file?: string;
  /** The same filters written the same way whatever the order of the query string: a cache key. */
  key: string;
  /** No filter at all: every allocation. */
  empty: boolean;
}

type NumberName = 'minSize' | 'maxSize' | 'minLifetime' | 'maxLifetime' | 'from' | 'to';
type PatternName = 'function' | 'file';

/**
 * What a filter takes: verdicts (a comma list of VERDICTS), whole bytes, seconds, or
 * an RE2 pattern matched against every frame.
 */
export type FilterKind = 'verdicts' | 'bytes' | 'seconds' | 'pattern';

/** One filter, as the server reads it and the page draws its control. */
export interface FilterDescriptor {
  /** The query string parameter, and the form control's name. */
  name: 'verdict' | NumberName | PatternName;
  kind: FilterKind;
  /** The control's label on the page. */
  label: string;
  /** The query verb (docs/QUERY.md) the filter applies; none for the verdict, which is the site's. */
  verb?: string;
  /** A pattern to show in an empty pattern control. */
  example?: string;
}

/**
 * Every filter, in the page's order. The server puts this table in the page (see
 * serveUi), whose script builds the form's controls from it.
 */
export const FILTERS: readonly FilterDescriptor[] = [
  { name: 'verdict', kind: 'verdicts', label: 'Verdict of the site' },
  { name: 'minSize', kind: 'bytes', label: 'size at least', verb: 'onlyLargerThan' },
  { name: 'maxSize', kind: 'bytes', label: 'size at most', verb: 'onlySmallerThan' },
  { name: 'minLifetime', kind: 'seconds', label: 'lived at least', verb: 'onlyAliveForAtLeast' },
  { name: 'maxLifetime', kind: 'seconds', label: 'lived at most', verb: 'onlyAliveForAtMost' },
  { name: 'from', kind: 'seconds', label: 'allocated from', verb: 'onlyAllocatedAfter' },
  { name: 'to', kind: 'seconds', label: 'allocated before', verb: 'onlyAllocatedBefore' },
  {
    name: 'function',
    kind: 'pattern',
    label: 'function',
    verb: 'onlyPassingThroughFunction',
    example: '^session_new$',
  },
  { name: 'file', kind: 'pattern', label: 'source file', verb: 'onlyPassingThroughSource', example: 'src/cache/' },
];

const named = <N extends string>(kind: FilterKind) => FILTERS.filter((f) => f.kind === kind).map((f) => f.name as N);
const BYTES = named<NumberName>('bytes');
const SECONDS = named<NumberName>('seconds');
const PATTERNS = named<PatternName>('pattern');
export const FILTER_NAMES: readonly string[] = FILTERS.map((f) => f.name);

/** The page's data: the filters and the verdicts, as JSON safe inside a `<script>` element. */
export function filtersJson(): string {
  return JSON.stringify({ filters: FILTERS, verdicts: VERDICTS }).replace(/</g, '\\u003c');
}

const WHOLE = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Reads the filters of a query string, strictly: an unknown or repeated parameter, a
 * number that is not one, a regex that does not compile is a BadRequest naming it. An
 * empty value is no filter. `verdict` is a comma list, and may be repeated.
 */
export function parseFilters(params: URLSearchParams): Filters {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!FILTER_NAMES.includes(name))
      throw new BadRequest(`unknown parameter ${JSON.stringify(name)}: the filters are ${FILTER_NAMES.join(', ')}`);
    if (seen.has(name) && name !== 'verdict') throw new BadRequest(`${name} is given more than once`);
    seen.add(name);
  }
  const filters: Filters = { verdicts: null, key: '', empty: true };
  const verdicts = params
    .getAll('verdict')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const v of verdicts) {
    if (!VERDICTS.includes(v as Verdict))
      throw new BadRequest(`verdict: ${JSON.stringify(v)} is none of ${VERDICTS.join(', ')}`);
  }
  if (verdicts.length) filters.verdicts = VERDICTS.filter((v) => verdicts.includes(v));

  for (const name of [...BYTES, ...SECONDS]) {
    const text = params.get(name)?.trim();
    if (!text) continue;
    const bytes = BYTES.includes(name);
    const value = Number(text);
    if (!(bytes ? WHOLE : DECIMAL).test(text) || !Number.isFinite(value) || (bytes && !Number.isSafeInteger(value))) {
      throw new BadRequest(
        `${name}: expected ${bytes ? 'a whole number of bytes' : 'a number of seconds'}, got ${JSON.stringify(text)}`,
      );
    }
    filters[name] = value;
  }
  for (const name of PATTERNS) {
    const source = params.get(name);
    if (!source) continue;
    linearPattern(name, source);
    filters[name] = source;
  }
  const parts = [
    filters.verdicts ? `verdict=${filters.verdicts.join(',')}` : '',
    ...[...BYTES, ...SECONDS].map((n) => (filters[n] !== undefined ? `${n}=${filters[n]}` : '')),
    ...PATTERNS.map((n) => (filters[n] !== undefined ? `${n}=${encodeURIComponent(filters[n]!)}` : '')),
  ].filter(Boolean);
  filters.key = parts.join('&');
  filters.empty = parts.length === 0;
  return filters;
}

/**
 * The allocations the filters keep, as a query list (one pass when asked for):
 * the verdict through `where` on each allocation's site, the others with the query
 * API's verbs. `siteVerdict` is, per stack id, the index in VERDICTS of its site's
 * verdict.
 */
export function applyFilters(profile: Profile, f: Filters, siteVerdict: Int8Array): AllocationList {
  let list = profile.allocations();
  if (f.verdicts) {
    const wanted = new Uint8Array(VERDICTS.length);
    for (const v of f.verdicts) wanted[VERDICTS.indexOf(v)] = 1;
    const stack = profile.columns.stack;
    list = list.where((i) => wanted[siteVerdict[stack[i]]] === 1);
  }
  // sizes are whole bytes: at least n is more than n - 1, at most n is fewer than n + 1
  if (f.minSize !== undefined) list = list.onlyLargerThan(f.minSize - 1);
  if (f.maxSize !== undefined) list = list.onlySmallerThan(f.maxSize + 1);
  if (f.minLifetime !== undefined) list = list.onlyAliveForAtLeast(f.minLifetime);
  if (f.maxLifetime !== undefined) list = list.onlyAliveForAtMost(f.maxLifetime);
  if (f.from !== undefined) list = list.onlyAllocatedAfter(f.from);
  if (f.to !== undefined) list = list.onlyAllocatedBefore(f.to);
  for (const name of PATTERNS) {
    if (f[name] === undefined) continue;
    const pattern = linearPattern(name, f[name]);
    list = whereBacktrace(list, (bt) => bt.frames.some((frame) => pattern.matcher(frame[name]).find()));
  }
  return list;
}

/** A filter's pattern compiled by RE2; one that does not compile is a BadRequest naming the filter. */
function linearPattern(name: string, source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    throw new BadRequest(
      `${name}: not a regular expression (RE2 syntax: no lookaround or backreferences): ${(err as Error).message}`,
    );
  }
}
