import { diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis } from '../../diagnose/diagnose';
import type { Profile } from '../../api/profile';
import { stackTotals, Totals, totalsAt, totalsOf } from '../../profile/totals';
import type { AllocationList } from '../../query/allocation-list';
import { chartSvg } from '../../render/svg/chart';
import { flameGraphSvg } from '../../render/svg/flame-graph';
import {
  diagnosisNotes,
  leakSitesTimeline,
  memoryChart,
  retainedMemory,
  retainedVersusFreed,
  siteTimeline,
  TIMELINE_SITES,
} from '../../views/charts';
import { FlameWeight, leakedFlameTree } from '../../views/flame-tree';
import { headline } from '../../views/headline';
import { backtraceText, label, labels, siteCell } from '../../views/label';
import { SiteIndex } from '../../views/site-index';
import { isLeakVerdict } from '../../views/verdict-order';
import { applyFilters, Filters, VERDICTS } from './filters';

const { version } = require('../../../package.json') as { version: string };

/** Rows of the groups table at most (a recording may have thousands of sites, mostly temporary). */
const MAX_ROWS = 1000;
/** Filtered selections kept for the next request (the page asks for the table, the timeline and the flame graph at once). */
const CACHED_SELECTIONS = 2;

/** What the filters selected, per site: counts and bytes (weights), all and never freed (profile/totals, as the page reads it). */
interface Tally {
  count: number;
  bytes: number;
  leakedCount: number;
  leakedBytes: number;
}

function tally(t: Totals): Tally {
  return { count: t.allocatedCount, bytes: t.allocatedBytes, leakedCount: t.leakedCount, leakedBytes: t.leakedBytes };
}

interface Selection {
  list: AllocationList;
  /** Per site stack id. */
  sites: Map<number, Tally>;
  total: Tally;
}

/** A site as the page's tables show it. */
export interface SiteRow {
  rank: number;
  stackId: number;
  verdict: string;
  label: string;
  growthBytesPerSecond: number;
  retainedCount: number;
  retainedBytes: number;
  totalCount: number;
  totalBytes: number;
  /** The allocating function: the first frame of the stripped backtrace. */
  frame: { function: string; file: string; line: number } | null;
}

/** A row of the groups table. */
export interface GroupRow extends SiteRow {
  /** The site's allocations the filters keep. */
  filtered: Tally;
}

/**
 * What the page shows first, under the verdict. `leak-sites`: the sites with a leak
 * verdict, as diagnose() ranks them (leak, then leak-freed-at-exit; by retained growth
 * weighed by confidence). `most-retained`: there is none, so the sites that retain the
 * most at the end of the work, largest first (none when nothing is retained).
 */
export interface FirstView {
  kind: 'leak-sites' | 'most-retained';
  rows: SiteRow[];
  /** Sites of that kind left out of `rows`. */
  more: number;
}

/** Rows of the first view at most: the leak sites, or the sites that retain the most when none leaks. */
const FIRST_LEAK_SITES = 10;
const FIRST_RETAINING_SITES = 5;

/**
 * What /api/flame.svg's `weigh=` takes (views/flame-tree.ts): `leak-sites`, the bytes the
 * sites with a leak verdict retain (the page's default); `never-freed`, every byte never
 * freed (the API's default, as before `weigh` existed).
 */
export const FLAME_WEIGHTS: readonly FlameWeight[] = ['leak-sites', 'never-freed'];

/**
 * The web UI's data, from a profile loaded once: the diagnosis and each site's
 * allocations are worked out at start, the filtered views per request (one pass over
 * the selected allocations each).
 */
export class UiViews {
  readonly diagnosis: Diagnosis;
  /** The site (its first stack id) of each stack id. */
  readonly site: Int32Array;
  /** Per stack id, the index in VERDICTS of its site's verdict (-1: no allocation). */
  readonly siteVerdict: Int8Array;
  private readonly rank = new Map<number, number>();
  private readonly bySite = new Map<number, GroupDiagnosis>();
  private readonly sites: SiteIndex;
  private readonly selections = new Map<string, Selection>();
  private readonly summaryJson: object;
  /** Whether each allocation is retained memory (views/charts.ts), worked out when a site's chart is first asked for. */
  private retained?: (index: number) => boolean;

  /** `diagnosis`: the profile's, when it was diagnosed already (a recording's processes are). */
  constructor(
    readonly profile: Profile,
    readonly source: string,
    private readonly options: DiagnoseOptions = {},
    diagnosis: Diagnosis = diagnose(profile, options),
  ) {
    this.diagnosis = diagnosis;
    this.sites = new SiteIndex(profile);
    this.site = this.sites.site;
    this.diagnosis.groups.forEach((g, k) => {
      this.rank.set(g.stackId, k + 1);
      this.bySite.set(g.stackId, g);
    });
    this.siteVerdict = new Int8Array(profile.stacks.length).fill(-1);
    for (let s = 0; s < profile.stacks.length; s++) {
      const g = this.bySite.get(this.site[s]);
      if (g) this.siteVerdict[s] = VERDICTS.indexOf(g.verdict);
    }
    this.summaryJson = this.makeSummary();
  }

  /** The verdict, its explanation and what was recorded. */
  summary(): object {
    return this.summaryJson;
  }

  /** The sites the filters keep something of, most suspicious first, with what they keep. */
  groups(f: Filters): { rows: GroupRow[]; sites: number; selected: Tally } {
    const sel = this.select(f);
    const kept = this.kept(sel);
    const rows = this.siteRows(kept.slice(0, MAX_ROWS)).map(
      (row): GroupRow => ({ ...row, filtered: sel.sites.get(row.stackId)! }),
    );
    return { rows, sites: kept.length, selected: sel.total };
  }

  /** A row per site, named so that the rows shown together read apart. */
  private siteRows(groups: GroupDiagnosis[]): SiteRow[] {
    const names = labels(groups);
    return groups.map((g, k) => this.siteRow(g, names[k]));
  }

  private siteRow(g: GroupDiagnosis, name: string): SiteRow {
    return {
      rank: this.rank.get(g.stackId)!,
      stackId: g.stackId,
      verdict: g.verdict,
      label: name,
      growthBytesPerSecond: g.growthBytesPerSecond,
      retainedCount: g.retainedCount,
      retainedBytes: g.retainedBytes,
      totalCount: g.totalCount,
      totalBytes: g.totalBytes,
      frame: siteCell(g),
    };
  }

  /** The leak sites, or when there is none the sites that retain the most (see FirstView). */
  private firstView(): FirstView {
    const leaks = this.diagnosis.groups.filter((g) => isLeakVerdict(g.verdict));
    if (leaks.length > 0)
      return {
        kind: 'leak-sites',
        rows: this.siteRows(leaks.slice(0, FIRST_LEAK_SITES)),
        more: Math.max(0, leaks.length - FIRST_LEAK_SITES),
      };
    const retaining = this.diagnosis.groups
      .filter((g) => g.retainedBytes > 0)
      .sort((a, b) => b.retainedBytes - a.retainedBytes || this.rank.get(a.stackId)! - this.rank.get(b.stackId)!);
    return {
      kind: 'most-retained',
      rows: this.siteRows(retaining.slice(0, FIRST_RETAINING_SITES)),
      more: Math.max(0, retaining.length - FIRST_RETAINING_SITES),
    };
  }

  /** Live memory of the selected allocations, stacked by their most suspicious sites (leaks first, at the bottom). */
  timelineSvg(f: Filters): string {
    const sel = this.select(f);
    const top = this.kept(sel).slice(0, TIMELINE_SITES);
    const title = f.empty
      ? 'Live memory by allocation site'
      : 'Live memory of the selected allocations, by allocation site';
    return chartSvg(
      siteTimeline(this.profile, top, this.members(f, sel, top), f.empty ? null : sel.list.indices(), title),
    );
  }

  /**
   * Live memory of the leak sites alone, on an axis of their own (a leak of kilobytes is
   * a hairline beside a cache of megabytes); undefined when the filters keep none.
   */
  leakTimelineSvg(f: Filters): string | undefined {
    const sel = this.select(f);
    const leaks = this.kept(sel)
      .filter((g) => isLeakVerdict(g.verdict))
      .slice(0, TIMELINE_SITES);
    const title = f.empty
      ? 'Live memory of the leak sites'
      : 'Live memory of the leak sites, of the selected allocations';
    const chart = leakSitesTimeline(this.profile, leaks, this.members(f, sel, leaks), title);
    return chart && chartSvg(chart);
  }

  /** The sites the selection keeps something of, most suspicious first. */
  private kept(sel: Selection): GroupDiagnosis[] {
    return this.diagnosis.groups.filter((g) => (sel.sites.get(g.stackId)?.count ?? 0) > 0);
  }

  /** The selected allocations of each of `groups`' sites (all of a site's when nothing is filtered). */
  private members(f: Filters, sel: Selection, groups: GroupDiagnosis[]): (site: number) => ArrayLike<number> {
    if (f.empty) return (site) => this.sites.members(site);
    const wanted = new Map(groups.map((g) => [g.stackId, [] as number[]]));
    const { stack } = this.profile.columns;
    const indices = sel.list.indices();
    for (let k = 0; k < indices.length; k++) wanted.get(this.site[stack[indices[k]]])?.push(indices[k]);
    return (site) => wanted.get(site)!;
  }

  /** The memory series the recorder sampled (RSS, the JS heap), or undefined when it sampled none. */
  memorySvg(): string | undefined {
    const chart = memoryChart(this.profile);
    return chart && chartSvg(chart);
  }

  /**
   * The selected allocations' bytes by call path: every byte never freed, or (`leak-sites`)
   * only the bytes the sites with a leak verdict retain, so that a bounded cache's never
   * stand beside a leak's.
   */
  flameSvg(f: Filters, weigh: FlameWeight = 'never-freed'): string {
    const tree = leakedFlameTree(this.profile, {
      select: f.empty ? undefined : this.select(f).list,
      weigh,
      diagnosis: this.diagnosis,
      diagnoseOptions: this.options,
    });
    const what = weigh === 'leak-sites' ? 'Bytes the leak sites retain' : 'Bytes never freed';
    return flameGraphSvg(tree, {
      width: 1100,
      title: `${what}${f.empty ? '' : ' (of the selected allocations)'}, by call stack`,
      emptyText: weigh === 'leak-sites' ? 'no site with a leak verdict retains any of these bytes' : undefined,
    });
  }

  /** A site's diagnosis and backtrace; undefined when no site has this stack id. */
  group(stackId: number): object | undefined {
    const g = this.bySite.get(stackId);
    if (!g) return undefined;
    return {
      rank: this.rank.get(stackId),
      label: label(g),
      ...g,
      backtrace: backtraceText(this.profile.backtrace(stackId)),
    };
  }

  /** A site's retained part stacked under its freed part, as the report draws it. */
  groupSvg(stackId: number): string | undefined {
    const g = this.bySite.get(stackId);
    if (!g) return undefined;
    this.retained ??= retainedMemory(this.profile, this.options);
    return chartSvg(retainedVersusFreed(this.profile, g, this.sites.members(stackId), this.retained));
  }

  /** The diagnosis of the site a stack belongs to, if any. */
  siteOf(stackId: number): GroupDiagnosis | undefined {
    return this.bySite.get(this.site[stackId]);
  }

  private select(f: Filters): Selection {
    const cached = this.selections.get(f.key);
    if (cached) return cached;
    const list = applyFilters(this.profile, f, this.siteVerdict);
    const only = f.empty ? undefined : list.indices();
    const bySite = stackTotals(this.profile, { keyOfStack: this.site, only });
    const sites = new Map<number, Tally>();
    for (let s = 0; s < bySite.allocatedCount.length; s++)
      if (bySite.allocatedCount[s] > 0) sites.set(s, tally(totalsAt(bySite, s)));
    const total = tally(totalsOf(this.profile.columns, only));
    const selection = { list, sites, total };
    this.selections.set(f.key, selection);
    while (this.selections.size > CACHED_SELECTIONS) this.selections.delete(this.selections.keys().next().value!);
    return selection;
  }

  private makeSummary(): object {
    const d = this.diagnosis;
    const p = this.profile;
    const notes = diagnosisNotes(d, p.info.clean);
    const verdictCounts = Object.fromEntries(VERDICTS.map((v) => [v, d.groups.filter((g) => g.verdict === v).length]));
    return {
      verdict: d.verdict,
      headline: headline(d),
      notes,
      warnings: d.warnings,
      verdicts: VERDICTS,
      verdictCounts,
      firstView: this.firstView(),
      /** Whether /api/memory.svg has a chart. */
      memory: memoryChart(p) !== undefined,
      meta: {
        source: this.source,
        command: p.header.command,
        recorder: p.header.recorder,
        pid: p.header.pid,
        complete: p.info.clean,
        runtimeSeconds: p.runtime,
        allocations: d.allocations,
        sites: d.groupCount,
        version,
      },
    };
  }
}
