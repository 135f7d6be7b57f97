import { diagnose, Diagnosis, DiagnoseOptions, GroupDiagnosis } from '../diagnose/diagnose';
import { allocationSites } from '../diagnose/sites';
import { liveSeries } from '../profile/live-series';
import type { Profile } from '../profile/profile';
import type { ChartInput, ChartLine } from '../render/svg/chart';
import { headline } from '../render/text';
import { FlameNode, leakedFlameTree } from './flame-tree';

/**
 * What a report shows, aggregated: a few hundred numbers per chart and one row per
 * allocation site, never the events themselves, so a 10 M-allocation recording
 * makes a report of the same size as a small one. The HTML report and the web UI
 * both draw it.
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
  /** The verdict line `analyze` prints. */
  headline: string;
  /** Live memory of the top sites, stacked, the rest as one area, and the recorded memory series. */
  timeline: ChartInput;
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
  /** Sites stacked in the timeline before the rest is one area (default 8). */
  timelineSites?: number;
}

/** Points of every chart: enough for a smooth line at 800 px, and a small file. */
const POINTS = 200;
/** Memory series drawn over the timeline's areas, when recorded. */
const LINE_SERIES: Record<string, string> = { rss: 'RSS', 'heap.used': 'JS heap used', external: 'external' };

export function reportModel(profile: Profile, source: string, options: ReportOptions = {}): ReportModel {
  const diagnosis = diagnose(profile, options);
  const shown = diagnosis.groups.slice(0, options.groups ?? 20);
  const stacked = diagnosis.groups.slice(0, options.timelineSites ?? 8);
  const members = siteMembers(profile, new Set([...shown, ...stacked].map((g) => g.stackId)));
  const end = profile.runtimeNs;
  const series = (indices: ArrayLike<number> | null) => liveSeries(profile.columns, indices, 0, end, POINTS);
  const time = Array.from(series([]).time, (t) => t / 1e9);
  const marks = profile.marks.map((m) => ({ time: m.time / 1e9, label: m.label }));

  const timelineAreas = stacked.map((g) => ({ label: label(g), values: series(members.get(g.stackId)!).bytes }));
  const everything = series(null).bytes;
  const rest = everything.map((v, i) => v - timelineAreas.reduce((a, s) => a + s.values[i], 0));
  if (diagnosis.groups.length > stacked.length) timelineAreas.push({ label: 'all other sites', values: rest });

  const groups = shown.map((g, k): ReportGroup => {
    const all = members.get(g.stackId)!;
    const leaked = all.filter((i) => profile.columns.freeTime[i] === Infinity);
    const leakedBytes = series(leaked).bytes;
    const allBytes = series(all).bytes;
    const chart = {
      title: `${label(g)}: leaked and all`,
      time,
      areas: [
        { label: 'Leaked', values: leakedBytes },
        { label: 'Freed', values: allBytes.map((v, i) => v - leakedBytes[i]) },
      ],
      marks,
      height: 220,
    };
    return { rank: k + 1, site: g, backtrace: profile.backtrace(g.stackId).strip().toString(), chart };
  });

  return {
    source,
    generatedAt: new Date().toISOString(),
    recorder: profile.header.recorder,
    command: profile.header.command,
    pid: profile.header.pid,
    complete: profile.info.clean,
    diagnosis,
    headline: headline(diagnosis),
    timeline: { title: 'Live memory by allocation site', time, areas: timelineAreas, lines: memoryLines(profile), marks, width: 1100 },
    groups,
    flame: leakedFlameTree(profile),
  };
}

/** A group's label: its allocating function. */
export function label(g: GroupDiagnosis): string {
  const f = g.frames[0];
  return f ? f.function || `0x${f.address.toString(16)}` : `stack ${g.stackId}`;
}

/** Column indices of the allocations of each wanted site, in one pass. */
function siteMembers(profile: Profile, wanted: Set<number>): Map<number, Uint32Array> {
  const site = allocationSites(profile);
  const { stack, count } = profile.columns;
  const lists = new Map<number, number[]>([...wanted].map((s) => [s, []]));
  for (let i = 0; i < count; i++) lists.get(site[stack[i]])?.push(i);
  return new Map([...lists].map(([s, l]) => [s, Uint32Array.from(l)]));
}

function memoryLines(profile: Profile): ChartLine[] {
  const lines: ChartLine[] = [];
  for (const [name, label] of Object.entries(LINE_SERIES)) {
    const s = profile.series.get(name);
    if (s && s.time.length > 1) lines.push({ label, time: Array.from(s.time, (t) => t / 1e9), values: s.value });
  }
  return lines;
}
