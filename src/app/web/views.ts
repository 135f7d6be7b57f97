import { diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis } from '../../diagnose/diagnose';
import type { Profile } from '../../api/profile';
import { stackTotals, Totals, totalsAt, totalsOf } from '../../profile/totals';
import type { AllocationList } from '../../query/allocation-list';
import { chartSvg } from '../../render/svg/chart';
import { flameGraphSvg } from '../../render/svg/flame-graph';
import { diagnosisNotes, leakedVersusAll, memoryChart, siteTimeline, TIMELINE_SITES } from '../../views/charts';
import { leakedFlameTree } from '../../views/flame-tree';
import { headline } from '../../views/headline';
import { label, labels, siteCell } from '../../views/label';
import { SiteIndex } from '../../views/site-index';
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

/** A row of the groups table. */
export interface GroupRow {
  rank: number;
  stackId: number;
  verdict: string;
  label: string;
  growthBytesPerSecond: number;
  retainedCount: number;
  retainedBytes: number;
  totalCount: number;
  totalBytes: number;
  /** The site's allocations the filters keep. */
  filtered: Tally;
  /** The allocating function: the first frame of the stripped backtrace. */
  frame: { function: string; file: string; line: number } | null;
}

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

  /** `diagnosis`: the profile's, when it was diagnosed already (a recording's processes are). */
  constructor(
    readonly profile: Profile,
    readonly source: string,
    options: DiagnoseOptions = {},
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
    const kept = this.diagnosis.groups.filter((g) => (sel.sites.get(g.stackId)?.count ?? 0) > 0);
    const shown = kept.slice(0, MAX_ROWS);
    const names = labels(shown);
    const rows = shown.map((g, k): GroupRow => {
      return {
        rank: this.rank.get(g.stackId)!,
        stackId: g.stackId,
        verdict: g.verdict,
        label: names[k],
        growthBytesPerSecond: g.growthBytesPerSecond,
        retainedCount: g.retainedCount,
        retainedBytes: g.retainedBytes,
        totalCount: g.totalCount,
        totalBytes: g.totalBytes,
        filtered: sel.sites.get(g.stackId)!,
        frame: siteCell(g),
      };
    });
    return { rows, sites: kept.length, selected: sel.total };
  }

  /** Live memory of the selected allocations, stacked by their most suspicious sites. */
  timelineSvg(f: Filters): string {
    const sel = this.select(f);
    const top = this.diagnosis.groups
      .filter((g) => (sel.sites.get(g.stackId)?.count ?? 0) > 0)
      .slice(0, TIMELINE_SITES);
    if (f.empty)
      return chartSvg(
        siteTimeline(this.profile, top, (site) => this.sites.members(site), null, 'Live memory by allocation site'),
      );
    const wanted = new Map(top.map((g) => [g.stackId, [] as number[]]));
    const { stack } = this.profile.columns;
    const indices = sel.list.indices();
    for (let k = 0; k < indices.length; k++) wanted.get(this.site[stack[indices[k]]])?.push(indices[k]);
    return chartSvg(
      siteTimeline(
        this.profile,
        top,
        (site) => wanted.get(site)!,
        indices,
        'Live memory of the selected allocations, by allocation site',
      ),
    );
  }

  /** The memory series the recorder sampled (RSS, the JS heap), or undefined when it sampled none. */
  memorySvg(): string | undefined {
    const chart = memoryChart(this.profile);
    return chart && chartSvg(chart);
  }

  /** The selected allocations' leaked bytes by call path. */
  flameSvg(f: Filters): string {
    const tree = leakedFlameTree(this.profile, f.empty ? {} : { select: this.select(f).list });
    return flameGraphSvg(tree, {
      width: 1100,
      title: f.empty ? 'Leaked bytes by call stack' : 'Leaked bytes of the selected allocations by call stack',
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
      backtrace: this.profile.backtrace(stackId).strip().toString(),
    };
  }

  /** A site's leaked part stacked under the rest of what it allocated, as the report draws it. */
  groupSvg(stackId: number): string | undefined {
    const g = this.bySite.get(stackId);
    return g && chartSvg(leakedVersusAll(this.profile, g, this.sites.members(stackId)));
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
