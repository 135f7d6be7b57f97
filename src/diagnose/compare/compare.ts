import { SiteFrame } from './site-key';
import { ComparableGroup, isLeaking, SiteSide, sitesOf } from './site-side';

export { ComparableGroup, SiteSide } from './site-side';
export { SiteFrame, SITE_FRAMES } from './site-key';

/** One recording as `compare` takes it (docs/COMPARE.md). */
export interface ComparedRecording {
  source: string;
  /** Its site groups: one process's (`diagnose().groups`) or every process's, each with `pid` and `command`. */
  groups: ComparableGroup[];
  /** false for a file without lifetimes (a .heapprofile): no site in it can be judged. */
  lifetimes: boolean;
}

export type Outcome = 'new-leak' | 'grown' | 'fixed-leak' | 'unchanged';

export interface SiteComparison {
  outcome: Outcome;
  /** The frames the site is matched by, innermost first. */
  site: SiteFrame[];
  /** null: no group of the recording has this site. */
  base: SiteSide | null;
  head: SiteSide | null;
  /**
   * How much more the head leaks than the base, as a fraction (0.2: 20 % more): the
   * change in bytes retained, or in growth per 1,000 allocations when that is smaller
   * (an exact recording). null unless both leak.
   */
  growthChange: number | null;
  /** The same, less what sampling noise alone could make of it (= growthChange for exact recordings). */
  growthChangeLow: number | null;
  /** Why the outcome, in a sentence. */
  reason: string;
}

export interface Comparison {
  base: { source: string; lifetimes: boolean };
  head: { source: string; lifetimes: boolean };
  thresholdPercent: number;
  /** false when a recording has no lifetimes: every site is then `unchanged`, and `notes` says why. */
  comparable: boolean;
  /** A new leak, or a leak grown by more than the threshold. */
  regression: boolean;
  counts: Record<Outcome, number>;
  /** New leaks, grown, fixed, then unchanged; the fastest-growing first within each. */
  sites: SiteComparison[];
  notes: string[];
}

/** The rule's settings (docs/COMPARE.md). */
export const COMPARE_RULES = {
  /**
   * A leak is a fact for compare from this confidence on: diagnose's trend well past
   * significance, with enough survivors. Measured: a temporary site of an unchanged
   * Node.js program read as leak-freed-at-exit at 0.6 once, on a machine loaded far
   * past its cores; real leaks read 1.
   */
  leakConfidence: 0.75,
  /** A `bounded` site is clear of any leak from this confidence on: its live bytes did not rise significantly late. */
  boundedConfidence: 0.75,
  /** A sampled rate's noise: this many standard errors of the log of the ratio, 1/√n for n samples each side. */
  samplingSigmas: 3,
  defaultThresholdPercent: 20,
} as const;

const ORDER: Record<Outcome, number> = { 'new-leak': 0, grown: 1, 'fixed-leak': 2, unchanged: 3 };

/**
 * Matches the sites of two recordings by their frames' functions and files (site-key.ts)
 * and says, for each, whether the head introduced, grew or fixed a leak. Noise is no
 * change: a verdict flip counts only between a confident leak and a site confidently
 * clear of one (or absent), and growth only beyond the threshold and sampling noise.
 */
export function compareRecordings(
  base: ComparedRecording,
  head: ComparedRecording,
  thresholdPercent: number = COMPARE_RULES.defaultThresholdPercent,
): Comparison {
  const comparable = base.lifetimes && head.lifetimes;
  const baseSites = sitesOf(base.groups);
  const headSites = sitesOf(head.groups);
  const sites: SiteComparison[] = [];
  for (const key of new Set([...baseSites.keys(), ...headSites.keys()])) {
    const b = baseSites.get(key);
    const h = headSites.get(key);
    const site = (h ?? b)?.site ?? [];
    const sides = { base: b?.side ?? null, head: h?.side ?? null };
    sites.push({
      site,
      ...sides,
      ...(comparable ? judge(sides.base, sides.head, thresholdPercent) : notJudged()),
    });
  }
  sites.sort((x, y) => ORDER[x.outcome] - ORDER[y.outcome] || rateOf(y) - rateOf(x));
  const counts: Record<Outcome, number> = { 'new-leak': 0, grown: 0, 'fixed-leak': 0, unchanged: 0 };
  for (const s of sites) counts[s.outcome]++;
  return {
    base: { source: base.source, lifetimes: base.lifetimes },
    head: { source: head.source, lifetimes: head.lifetimes },
    thresholdPercent,
    comparable,
    regression: counts['new-leak'] + counts.grown > 0,
    counts,
    sites,
    notes: [...new Set([base, head].filter((r) => !r.lifetimes).map((r) => r.source))].map(
      (source) =>
        `${source} has no lifetimes (a .heapprofile: what was alive at one moment): no site can be shown to leak or not, so no change is reported`,
    ),
  };
}

type Judgement = Pick<SiteComparison, 'outcome' | 'growthChange' | 'growthChangeLow' | 'reason'>;

function notJudged(): Judgement {
  return { outcome: 'unchanged', growthChange: null, growthChangeLow: null, reason: 'not compared: no lifetimes' };
}

function judge(base: SiteSide | null, head: SiteSide | null, thresholdPercent: number): Judgement {
  const outcome = (o: Outcome, reason: string): Judgement => ({
    outcome: o,
    growthChange: null,
    growthChangeLow: null,
    reason,
  });
  if (base && head && isLeaking(base.verdict) && isLeaking(head.verdict))
    return judgeGrowth(base, head, thresholdPercent);
  if (head && confidentLeak(head) && clearOfLeak(base))
    return outcome('new-leak', `${head.verdict} in head, ${describe(base)} in base`);
  if (base && confidentLeak(base) && clearOfLeak(head))
    return outcome('fixed-leak', `${base.verdict} in base, ${describe(head)} in head`);
  const leaking = base && isLeaking(base.verdict) ? base : head && isLeaking(head.verdict) ? head : null;
  if (!leaking) return outcome('unchanged', 'no leak in either');
  const [where, elsewhere, other] = leaking === base ? ['base', 'head', head] : ['head', 'base', base];
  return outcome(
    'unchanged',
    confidentLeak(leaking)
      ? `${leaking.verdict} in ${where} only, but ${describe(other)} in ${elsewhere}: no evidence of a change`
      : `${leaking.verdict} in ${where} only, at confidence ${leaking.confidence.toFixed(2)}: too weak to call a change`,
  );
}

/** Both leak: grown when the head leaks more than the base by more than the threshold, by each measure, beyond sampling noise. */
function judgeGrowth(base: SiteSide, head: SiteSide, thresholdPercent: number): Judgement {
  // Noise moves one measure at a time, a change moves them all. Bytes retained over the
  // same work are the surest; an exact recording's rate per 1,000 allocations (its work)
  // must agree. Not the rate per second: a busy machine slows one run and not the other
  // (one Node.js program run twice: −34 %). Not a sampled recording's rate per
  // allocation: it counts the samples its polls caught, which vary with the polls.
  const sampled = base.sampled || head.sampled;
  const ratios = [head.retainedBytes / base.retainedBytes];
  if (!sampled) ratios.push(head.growthBytesPer1kAllocations / base.growthBytesPer1kAllocations);
  const ratio = Math.min(...ratios);
  const noise = sampled
    ? COMPARE_RULES.samplingSigmas *
      Math.sqrt(1 / Math.max(1, base.retainedCount) + 1 / Math.max(1, head.retainedCount))
    : 0;
  const low = ratio * Math.exp(-noise);
  const change = Number.isFinite(ratio) ? ratio - 1 : null;
  const changeLow = Number.isFinite(low) ? low - 1 : null;
  const grown = low > 1 + thresholdPercent / 100;
  const noiseNote = noise > 0 ? ` (${signedPercent(low - 1)} at least, allowing for sampling noise)` : '';
  return {
    outcome: grown ? 'grown' : 'unchanged',
    growthChange: change,
    growthChangeLow: changeLow,
    reason: `leaks in both, ${signedPercent(ratio - 1)}${noiseNote}${grown ? '' : `: not beyond the ${thresholdPercent}% threshold`}`,
  };
}

function confidentLeak(side: SiteSide): boolean {
  return isLeaking(side.verdict) && side.confidence >= COMPARE_RULES.leakConfidence;
}

/** Absent, temporary, or bounded with no significant rise late in the run; `unclear` is never clear. */
function clearOfLeak(side: SiteSide | null): boolean {
  return (
    side === null ||
    side.verdict === 'temporary' ||
    (side.verdict === 'bounded' && side.confidence >= COMPARE_RULES.boundedConfidence)
  );
}

function describe(side: SiteSide | null): string {
  if (!side) return 'absent';
  if (side.verdict === 'bounded' && !clearOfLeak(side))
    return `bounded but rising late (confidence ${side.confidence.toFixed(2)})`;
  return side.verdict;
}

function signedPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'up from nothing';
  const rounded = Math.round(fraction * 100);
  return `${rounded > 0 ? '+' : ''}${rounded === 0 ? 0 : rounded}%`;
}

function rateOf(s: SiteComparison): number {
  return Math.max(s.head?.growthBytesPerSecond ?? 0, s.base?.growthBytesPerSecond ?? 0);
}
