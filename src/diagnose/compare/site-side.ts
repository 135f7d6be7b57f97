import { GroupDiagnosis, SUSPICION, Verdict } from '../diagnose';
import { SiteFrame, siteFrames, siteKey } from './site-key';

/**
 * A site group as `compare` takes it: what `diagnose()` says of it, and where it comes
 * from when a recording holds several processes (`pid`, `command`). Sites are matched
 * whatever process they are in.
 */
export interface ComparableGroup
  extends Pick<
    GroupDiagnosis,
    | 'verdict'
    | 'frames'
    | 'frameless'
    | 'confidence'
    | 'growthBytesPerSecond'
    | 'growthBytesPer1kAllocations'
    | 'retainedBytes'
    | 'retainedCount'
  > {
  pid?: number;
  command?: string;
  /** Its counts are samples (the Node.js heap sampler), so its rate carries sampling noise. */
  sampled?: boolean;
}

/** One recording's side of a site: its groups with the same site frames, taken together. */
export interface SiteSide {
  /** The most suspicious of its groups' verdicts. */
  verdict: Verdict;
  /** The highest confidence among the groups with that verdict. */
  confidence: number;
  /** Growth rates and retained memory: sums over the groups judged alike (leaking, or not). */
  growthBytesPerSecond: number;
  growthBytesPer1kAllocations: number;
  retainedBytes: number;
  retainedCount: number;
  /** How many site groups (distinct lines or callers further out, processes) it gathers. */
  groups: number;
  sampled: boolean;
  /** The processes its groups are in, when the recording says (`pid`, `command`). */
  processes: { pid: number; command: string }[];
  /** The whole stack of its most suspicious group, innermost first. */
  frames: GroupDiagnosis['frames'];
  /** A site with no frame of the program's own: why, and where (GroupDiagnosis.frameless). */
  frameless?: string;
}

export function isLeaking(verdict: Verdict): boolean {
  return verdict === 'leak' || verdict === 'leak-freed-at-exit';
}

/** A recording's groups by site (site-key.ts), each site's groups taken together. */
export function sitesOf(groups: ComparableGroup[]): Map<string, { site: SiteFrame[]; side: SiteSide }> {
  const bySite = new Map<string, { site: SiteFrame[]; members: ComparableGroup[] }>();
  for (const g of groups) {
    const site = siteFrames(g.frames);
    // sites with no frame are told apart by why (frameless.ts)
    const key = site.length ? siteKey(site) : `\x01${g.frameless ?? ''}`;
    const entry = bySite.get(key);
    if (entry) entry.members.push(g);
    else bySite.set(key, { site, members: [g] });
  }
  const sites = new Map<string, { site: SiteFrame[]; side: SiteSide }>();
  for (const [key, { site, members }] of bySite) sites.set(key, { site, side: combine(members) });
  return sites;
}

function combine(members: ComparableGroup[]): SiteSide {
  const first = members.reduce((a, b) => (SUSPICION[b.verdict] < SUSPICION[a.verdict] ? b : a));
  const alike = members.filter((g) => isLeaking(g.verdict) === isLeaking(first.verdict));
  const sum = (field: 'growthBytesPerSecond' | 'growthBytesPer1kAllocations' | 'retainedBytes' | 'retainedCount') =>
    alike.reduce((total, g) => total + g[field], 0);
  const processes = new Map<number, string>();
  for (const g of members) if (g.pid !== undefined) processes.set(g.pid, g.command ?? '');
  return {
    verdict: first.verdict,
    confidence: Math.max(...members.filter((g) => g.verdict === first.verdict).map((g) => g.confidence)),
    growthBytesPerSecond: sum('growthBytesPerSecond'),
    growthBytesPer1kAllocations: sum('growthBytesPer1kAllocations'),
    retainedBytes: sum('retainedBytes'),
    retainedCount: sum('retainedCount'),
    groups: members.length,
    sampled: members.some((g) => g.sampled === true),
    processes: [...processes].map(([pid, command]) => ({ pid, command })),
    frames: first.frames,
    ...(first.frameless ? { frameless: first.frameless } : {}),
  };
}
