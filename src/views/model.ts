import { diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis } from '../diagnose/diagnose';
import type { Profile } from '../profile/profile';
import type { ChartInput } from './chart-input';
import { diagnosisNotes, leakedVersusAll, memoryChart, siteTimeline, TIMELINE_SITES } from './charts';
import { FlameNode, leakedFlameTree } from './flame-tree';
import { headline } from './headline';
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
  /** Live memory of the top sites, stacked, the rest as one area. */
  timeline: ChartInput;
  /** A node process recorded by both recorders: its JS and native sites on one timeline (views/both-views.ts). */
  bothViews?: ChartInput;
  /** The memory series the recorder sampled (RSS, the JS heap), when it did. */
  memory?: ChartInput;
  /** The groups shown, most suspicious first. */
  groups: ReportGroup[];
  /** Leaked bytes by call path. */
  flame: FlameNode;
}

/** An allocation site as the report shows it. */
export interface ReportGroup {
  /** 1 for the most suspicious. */
  rank: number;
  site: GroupDiagnosis;
  /** Its stripped backtrace, one frame a line, outermost first. */
  backtrace: string;
  /** Its leaked part stacked under the rest of what it allocated. */
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
  const groups = diagnosis.groups.slice(0, options.groups ?? 20).map(
    (g, k): ReportGroup => ({
      rank: k + 1,
      site: g,
      backtrace: profile.backtrace(g.stackId).strip().toString(),
      chart: leakedVersusAll(profile, g, members(g.stackId)),
    }),
  );
  const memory = memoryChart(profile);
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
    timeline: siteTimeline(
      profile,
      diagnosis.groups.slice(0, TIMELINE_SITES),
      members,
      null,
      'Live memory by allocation site',
    ),
    ...(memory ? { memory } : {}),
    groups,
    flame: leakedFlameTree(profile),
  };
}
