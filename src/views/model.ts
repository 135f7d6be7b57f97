import { diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis } from '../diagnose/diagnose';
import type { Profile } from '../profile/profile';
import type { ChartInput } from './chart-input';
import {
  diagnosisNotes,
  leakSitesTimeline,
  memoryChart,
  retainedMemory,
  retainedVersusFreed,
  siteTimeline,
  TIMELINE_SITES,
} from './charts';
import { FlameNode, leakedFlameTree } from './flame-tree';
import { headline } from './headline';
import { backtraceText } from './label';
import { SiteIndex } from './site-index';

/**
 * What a report shows, aggregated: a few hundred numbers per chart and one row per
 * allocation site, never the events themselves, so a 10 M-allocation recording
 * makes a report of the same size as a small one.
 */
export interface ReportModel {
  source: string;
  generatedAt: string;
  recorder: string;
  command: string[];
  pid: number;
  /** The recording was finished (not killed, not still being written). */
  complete: boolean;
  diagnosis: Diagnosis;
  /** The verdict line `analyze` prints, and what it leaves out. */
  headline: string;
  notes: string[];
  /** Live memory of the leak sites alone, on their own axis; absent when no site has a leak verdict. */
  leakTimeline?: ChartInput;
  /** Live memory of the top sites, stacked, leaks at the bottom, the rest as one area. */
  timeline: ChartInput;
  /** A node process recorded by both recorders: its JS and native sites on one timeline (views/both-views.ts). */
  bothViews?: ChartInput;
  /** The memory series the recorder sampled (RSS, the JS heap), when it did. */
  memory?: ChartInput;
  /** The groups shown, most suspicious first. */
  groups: ReportGroup[];
  /** Bytes the leak sites retain, by call path (the flame graph shown first). */
  flame: FlameNode;
  /** Every byte never freed, by call path: the leak sites' and the caches', pools' and others'. */
  flameNeverFreed: FlameNode;
}

/** An allocation site as the report shows it. */
export interface ReportGroup {
  /** 1 for the most suspicious. */
  rank: number;
  site: GroupDiagnosis;
  /** Its stripped backtrace, one frame a line, outermost first. */
  backtrace: string;
  /** Its retained part stacked under the rest of what it allocated, freed. */
  chart: ChartInput;
}

export interface ReportOptions extends DiagnoseOptions {
  /** Groups with a chart of their own (default 20). */
  groups?: number;
}

/** `diagnosis`: the profile's, when it was diagnosed already (a recording's processes are). */
export function reportModel(
  profile: Profile,
  source: string,
  options: ReportOptions = {},
  diagnosis: Diagnosis = diagnose(profile, options),
): ReportModel {
  const sites = new SiteIndex(profile);
  const members = (site: number) => sites.members(site);
  const retained = retainedMemory(profile, options);
  const groups = diagnosis.groups.slice(0, options.groups ?? 20).map(
    (g, k): ReportGroup => ({
      rank: k + 1,
      site: g,
      backtrace: backtraceText(profile.backtrace(g.stackId)),
      chart: retainedVersusFreed(profile, g, members(g.stackId), retained),
    }),
  );
  const memory = memoryChart(profile);
  const leakTimeline = leakSitesTimeline(profile, diagnosis.groups, members);
  return {
    source,
    generatedAt: new Date().toISOString(),
    recorder: profile.header.recorder,
    command: profile.header.command,
    pid: profile.header.pid,
    complete: profile.info.clean,
    diagnosis,
    headline: headline(diagnosis),
    notes: diagnosisNotes(diagnosis, profile.info.clean),
    ...(leakTimeline ? { leakTimeline } : {}),
    timeline: siteTimeline(
      profile,
      diagnosis.groups.slice(0, TIMELINE_SITES),
      members,
      null,
      'Live memory by allocation site, leaks at the bottom',
    ),
    ...(memory ? { memory } : {}),
    groups,
    flame: leakedFlameTree(profile, { weigh: 'leak-sites', diagnosis, diagnoseOptions: options }),
    flameNeverFreed: leakedFlameTree(profile),
  };
}
