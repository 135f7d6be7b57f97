import type { Profile } from '../profile/profile';
import type { Frame } from '../profile/frames';
import { framelessName } from '../profile/frameless';
import type { ImportedFrom } from '../import/result';
import { classify, NO_LIFETIMES, Verdict } from './classify';
import { Birth, gatherEvidence, Evidence, siteTotals, SiteTotals, survivorTest } from './evidence';
import { explain } from './explain';
import { DiagnoseOptions, withDefaults } from './options';
import { allocationSites } from '../profile/sites';
import { residentMemory, ResidentMemory } from './resident-memory';
import { unattributedGrowth, UnattributedGrowth } from './unattributed';
import { isV8Heap, v8HeapExplanation } from './v8-heap';
import { windowsOf } from './windows';
import { formatBytes } from '../util/units';

export { Verdict } from './classify';
export { UnattributedGrowth } from './unattributed';
export { ResidentMemory } from './resident-memory';
export { DiagnoseOptions } from './options';

export interface GroupDiagnosis {
  verdict: Verdict;
  stackId: number;
  /** The program's frames, innermost first (allocator and start-up frames stripped). */
  /**
   * `address`: the return address, for native frames (what is left to go on when a frame
   * has no symbol); `offset`, on a native frame without a symbol, the address in its module.
   */
  frames: { function: string; file: string; line: number; module: string; address: number; offset?: number }[];
  /**
   * When `frames` is empty: why the site has no frame of the program's own, and where it
   * allocated, as every view names it: `(stack ends in the allocator: strdup in libc.so.6)`.
   */
  frameless?: string;
  /** Bytes never freed. */
  leakedBytes: number;
  leakedCount: number;
  /** Bytes retained through the end of the work (leaked or freed only at exit). */
  retainedBytes: number;
  retainedCount: number;
  totalBytes: number;
  totalCount: number;
  peakLiveBytes: number;
  /** Live bytes when the work ended (before shutdown). */
  liveBytesAtEnd: number;
  /** Growth of retained memory while the program worked. */
  growthBytesPerSecond: number;
  /** The same growth per 1000 allocations of the whole program: per unit of work. */
  growthBytesPer1kAllocations: number;
  confidence: number;
  /** One sentence a person can act on. */
  explanation: string;
  /** The numbers behind it. */
  evidence: string[];
  /**
   * A native site of V8's own heap (v8-heap.ts): it backs the JS heap, which the JS
   * profile judges, so it is never `leak` (growing, it is `unclear`). Only on such sites.
   */
  v8Heap?: true;
}

export interface Diagnosis {
  verdict: 'leak' | 'no-leak';
  runtimeSeconds: number;
  allocations: number;
  groupCount: number;
  /** Most suspicious first. */
  groups: GroupDiagnosis[];
  /** Memory series no allocation site accounts for (Node.js: `external`, `array-buffers`), when the profile has them. */
  unattributed: UnattributedGrowth[];
  /**
   * The `rss` series judged as `watch` judges it, when the profile has one. It decides
   * the verdict only for a recording of RSS alone (`watch --record-to`): with
   * allocations recorded, the sites say where memory goes.
   */
  residentMemory?: ResidentMemory;
  /** The profile was another tool's file (docs/IMPORT.md); without lifetimes, every group is `unclear`. */
  imported?: ImportedFrom;
  /** How the recording was sampled, when it was (Node.js always, native with --sample). */
  sampling?: Sampling;
  warnings: string[];
}

/**
 * A sampled recording's rate: one allocation recorded per `intervalBytes` allocated,
 * on average, each counted for the bytes it stands for. `explanation` says what that
 * means for the verdicts.
 */
export interface Sampling {
  intervalBytes: number;
  explanation: string;
}

function samplingOf(profile: Profile): Sampling | undefined {
  const interval = profile.header.options?.samplingInterval;
  if (typeof interval !== 'number' || !(interval > 0)) return undefined;
  const rate = `one allocation per ${formatBytes(interval)} allocated, on average; sizes are the bytes the samples stand for`;
  return {
    intervalBytes: interval,
    explanation:
      profile.header.recorder === 'native'
        ? `${rate}. A leak of a few samples' worth can pass unseen: a recording without --sample would tell`
        : rate,
  };
}

/** Verdicts from most to least suspicious: the ranking's first key. */
export const SUSPICION: Record<Verdict, number> = {
  leak: 0,
  'leak-freed-at-exit': 1,
  unclear: 2,
  bounded: 3,
  temporary: 4,
};

/**
 * Groups of different profiles, the more suspicious first: by verdict, then by growth
 * weighed by confidence, then by memory held, as `diagnose()` ranks a profile's own
 * (which uses the unrounded confidence).
 */
export function bySuspicion(a: GroupDiagnosis, b: GroupDiagnosis): number {
  // a V8 heap site ranks last of its verdict, as in diagnose()
  const score = (g: GroupDiagnosis) => (g.v8Heap ? 0 : g.growthBytesPerSecond * g.confidence);
  return (
    SUSPICION[a.verdict] - SUSPICION[b.verdict] ||
    score(b) - score(a) ||
    b.retainedBytes - a.retainedBytes ||
    b.totalBytes - a.totalBytes
  );
}

/**
 * A verdict for every site group (profile/sites), ranked most suspicious first, one for each
 * memory series no group accounts for, and the overall verdict.
 */
export function diagnose(profile: Profile, options: DiagnoseOptions = {}): Diagnosis {
  const runtime = knownUntil(profile);
  const windows = windowsOf(profile, runtime, withDefaults(options));
  const birth = chainBirths(profile);
  const allocationsPerNs = runtime > 0 ? profile.columns.count / runtime : 0;
  const scored: { g: GroupDiagnosis; score: number }[] = [];
  const site = allocationSites(profile);
  const totals = siteTotals(profile, site, windows, birth);
  const members = survivorStackMembers(profile, site, totals);
  // a .heapprofile: what was alive when it was taken, with no times to tell growth by
  const lifetimes = profile.info.imported?.lifetimes !== false;
  const native = profile.header.recorder === 'native';
  const sampling = samplingOf(profile);
  for (let stackId = 0; stackId < profile.stacks.length; stackId++) {
    if (totals.allocatedCount[stackId] === 0) continue;
    const ev = gatherEvidence(profile, stackId, totals, members.get(stackId), windows, birth);
    const c = lifetimes ? classify(ev) : NO_LIFETIMES;
    const g = describe(profile, stackId, ev, c.verdict, c.rate, c.confidence, allocationsPerNs);
    const { explanation, evidence } = explain(ev, c, windows, runtime, native && sampling !== undefined);
    g.explanation = explanation;
    g.evidence = evidence;
    const v8Heap = native && isV8Heap(g.frames);
    if (v8Heap) asV8Heap(g);
    scored.push({ g, score: v8Heap ? 0 : c.rate * 1e9 * c.confidence });
  }
  scored.sort(
    (a, b) =>
      SUSPICION[a.g.verdict] - SUSPICION[b.g.verdict] ||
      b.score - a.score ||
      b.g.retainedBytes - a.g.retainedBytes ||
      b.g.totalBytes - a.g.totalBytes ||
      a.g.stackId - b.g.stackId,
  );
  const groups = scored.map((s) => s.g);
  const unattributed = unattributedGrowth(profile, windows);
  const resident = residentMemory(profile, runtime);
  const rssOnly = profile.header.recorder === 'rss';
  const leaking =
    groups.some((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit') ||
    unattributed.some((u) => u.verdict === 'leak') ||
    (rssOnly && resident?.rss.verdict === 'growing');
  return {
    verdict: leaking ? 'leak' : 'no-leak',
    runtimeSeconds: runtime / 1e9,
    allocations: profile.columns.count,
    groupCount: groups.length,
    groups,
    unattributed,
    ...(resident ? { residentMemory: resident } : {}),
    ...(profile.info.imported ? { imported: profile.info.imported } : {}),
    ...(sampling ? { sampling } : {}),
    warnings: [...profile.info.warnings],
  };
}

/**
 * Whether an allocation (a column index) is retained as the verdicts weigh it: alive
 * at the end of the work and born at least the exit window before it (a survivor, what
 * a site's `retainedBytes` sums). `options`: those the diagnosis was made with.
 */
export function retainedTest(profile: Profile, options: DiagnoseOptions = {}): (index: number) => boolean {
  const runtime = knownUntil(profile);
  return survivorTest(profile, windowsOf(profile, runtime, withDefaults(options)), chainBirths(profile));
}

/** A V8 heap site: never a leak of its own (the JS view judges what the heap holds). */
function asV8Heap(g: GroupDiagnosis): void {
  g.v8Heap = true;
  if (g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit') g.verdict = 'unclear';
  const first = g.explanation.charAt(0).toLowerCase() + g.explanation.slice(1);
  g.explanation = v8HeapExplanation(first);
}

function describe(
  profile: Profile,
  stackId: number,
  ev: Evidence,
  verdict: Verdict,
  rateBytesPerNs: number,
  confidence: number,
  allocationsPerNs: number,
): GroupDiagnosis {
  const backtrace = profile.backtrace(stackId);
  const frames = backtrace.strip().frames.map((f: Frame) => ({
    function: f.function,
    file: f.file,
    line: f.line,
    module: f.module,
    address: f.address,
    ...(f.offset === undefined ? {} : { offset: f.offset }),
  }));
  return {
    verdict,
    stackId,
    frames,
    ...(frames.length ? {} : { frameless: framelessName(backtrace.frames) }),
    leakedBytes: ev.leakedBytes,
    leakedCount: ev.leakedCount,
    retainedBytes: ev.survivorBytes,
    retainedCount: ev.survivorCount,
    totalBytes: ev.bytes,
    totalCount: ev.count,
    peakLiveBytes: ev.peakLiveBytes,
    liveBytesAtEnd: ev.liveBytesAtWorkEnd,
    growthBytesPerSecond: rateBytesPerNs * 1e9,
    growthBytesPer1kAllocations: allocationsPerNs > 0 ? (rateBytesPerNs / allocationsPerNs) * 1000 : 0,
    confidence: Math.round(confidence * 100) / 100,
    explanation: '',
    evidence: [],
  };
}

/**
 * Where what is known of the allocations ends. For a sampling recorder that is its
 * last poll: the memory series of a process killed between polls run on past it,
 * and would make growth look like it stopped.
 */
function knownUntil(profile: Profile): number {
  const polls = profile.series.get('leakhound.poll');
  if (profile.info.clean || !polls || polls.time.length === 0) return profile.runtimeNs;
  return polls.time[polls.time.length - 1];
}

/**
 * Column indices of the allocations of each site that has survivors, by a counting
 * sort restricted to those sites: sites of temporaries, usually most allocations,
 * are decided from their totals alone.
 */
function survivorStackMembers(profile: Profile, site: Int32Array, totals: SiteTotals): Map<number, Uint32Array> {
  const { stack, count } = profile.columns;
  const start = new Float64Array(profile.stacks.length).fill(-1);
  let total = 0;
  for (let s = 0; s < profile.stacks.length; s++) {
    if (totals.survivorCount[s] === 0) continue;
    start[s] = total;
    total += totals.allocatedCount[s];
  }
  const sorted = new Uint32Array(total);
  const fill = start.slice();
  for (let i = 0; i < count; i++) {
    const s = site[stack[i]];
    if (fill[s] >= 0) sorted[fill[s]++] = i;
  }
  const groups = new Map<number, Uint32Array>();
  for (let s = 0; s < profile.stacks.length; s++) {
    if (start[s] >= 0) groups.set(s, sorted.subarray(start[s], start[s] + totals.allocatedCount[s]));
  }
  return groups;
}

/**
 * When each allocation's realloc chain began: a buffer realloc'ed a hundred times
 * was born with its first allocation. Chains point backwards, so one pass in index
 * order fills it; only chain members are stored.
 */
function chainBirths(profile: Profile): Birth {
  const { reallocPrev, allocTime, count } = profile.columns;
  const born = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const prev = reallocPrev[i];
    if (prev >= 0) born.set(i, born.get(prev) ?? allocTime[prev]);
  }
  return born.size === 0 ? (i) => allocTime[i] : (i) => born.get(i) ?? allocTime[i];
}
