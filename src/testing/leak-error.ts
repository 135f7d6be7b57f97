/** One thing that grew with every iteration. */
export interface LeakGrowth {
  /**
   * `instances`: live objects of one kind — a constructor's name (`Request`), a
   * function's (`(closure) onData`); `entries`: the entries of one collection (a Map,
   * Set, Array or plain object) that was already alive after the warm-up.
   */
  type: 'instances' | 'entries';
  /** `Request`, `(closure) onData`, `Map`, … */
  name: string;
  /** How many more per run of the function (the median step's rate; exact when every step grew alike). */
  perIteration: number;
  /** Live instances, or the collection's size, at each census. */
  counts: number[];
  /** How many runs had been done at each census. */
  runs: number[];
  /**
   * Instances only: of those made in each step between censuses, how many are still
   * alive at the last census (the last step's may include a few temporaries).
   */
  survivors?: number[];
  /** Where the class or function is defined (`file:line`), when the heap snapshot says. */
  site?: string;
  /** The last keys (Map, object) or values (Set, Array) of a growing collection, as text. */
  lastEntries?: string[];
  /** What keeps one of the new instances (or the collection) alive: a retainer path from the heap's roots. */
  retainedBy?: string;
}

/** What an expectNoLeak run measured. */
export interface LeakReport {
  /** The leaks found (none when it passes). */
  leaks: LeakGrowth[];
  /** Runs done at each census. */
  runs: number[];
  warmup: number;
  iterations: number;
  /** Wall time of the whole check, in ms (the runs included). */
  ms: number;
}

/**
 * Thrown by expectNoLeak: the message says what grew; the numbers are properties too
 * (`leaks`, `report`; not enumerable, so that runners print the message, not a dump).
 */
export class LeakError extends Error {
  declare readonly leaks: LeakGrowth[];
  declare readonly report: LeakReport;

  constructor(report: LeakReport) {
    super(leakMessage(report));
    Object.defineProperties(this, {
      leaks: { value: report.leaks, enumerable: false },
      report: { value: report, enumerable: false },
    });
  }
}
// on the prototype, so that the stack V8 records at construction starts with "LeakError: "
Object.defineProperty(LeakError.prototype, 'name', {
  value: 'LeakError',
  writable: true,
  configurable: true,
  enumerable: false,
});

function formatRate(r: number): string {
  if (Number.isInteger(r)) return String(r);
  return r >= 1 ? r.toFixed(1).replace(/\.0$/, '') : r.toFixed(2).replace(/0$/, '');
}

function describeGrowth(g: LeakGrowth): string {
  const unit = g.type === 'entries' ? (g.perIteration === 1 ? 'entry' : 'entries') : '';
  const what = g.type === 'entries' ? `${g.name} entries` : g.name;
  const live = g.type === 'entries' ? 'entries' : 'live';
  const head = `${what}: +${formatRate(g.perIteration)}${unit ? ` ${unit}` : ''} per iteration (${g.counts.join(' → ')} ${live} after ${g.runs.join(', ')} runs)`;
  const lines = [`  ${head}`];
  if (g.survivors) lines.push(`    still alive of those made in each step: ${g.survivors.join(', ')}`);
  if (g.site) lines.push(`    defined at ${g.site}`);
  if (g.lastEntries && g.lastEntries.length > 0)
    lines.push(`    last ${g.name === 'Map' || g.name === 'Object' ? 'keys' : 'values'}: ${g.lastEntries.join(', ')}`);
  if (g.retainedBy) lines.push(`    retained by: ${g.retainedBy}`);
  return lines.join('\n');
}

/** The most leaks a message lists (the error's `leaks` has them all). */
const MAX_LISTED = 12;

export function leakMessage(report: LeakReport): string {
  const kinds = report.leaks.filter((g) => g.type === 'instances').length;
  const collections = report.leaks.length - kinds;
  const parts: string[] = [];
  if (kinds > 0) parts.push(kinds === 1 ? '1 kind of object' : `${kinds} kinds of objects`);
  if (collections > 0) parts.push(collections === 1 ? '1 collection' : `${collections} collections`);
  const verb = report.leaks.length === 1 ? 'grows' : 'grow';
  const head = `expectNoLeak: ${parts.join(' and ')} ${verb} with every iteration (${report.warmup} warm-up runs, then ${report.iterations} measured; a census of live objects after ${report.runs.join(', ')} runs):`;
  const listed = report.leaks.slice(0, MAX_LISTED).map(describeGrowth);
  if (report.leaks.length > MAX_LISTED)
    listed.push(`  … and ${report.leaks.length - MAX_LISTED} more (the error's \`leaks\` lists them all)`);
  return [head, ...listed].join('\n');
}
