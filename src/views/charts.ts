import type { Diagnosis, GroupDiagnosis } from '../diagnose/diagnose';
import { liveSeries } from '../profile/live-series';
import type { Profile } from '../profile/profile';
import type { ChartArea, ChartInput, ChartMark } from './chart-input';
import { label, labels } from './label';

/**
 * The charts the report and the web UI draw alike, as chart inputs: a few hundred
 * points each, whatever the size of the recording.
 */

/** Points of every chart: enough for a smooth line at 1100 px, and a small file. */
export const POINTS = 200;
/** Sites stacked in the timeline before the rest is one area. */
export const TIMELINE_SITES = 8;
/** Memory series the recorders write, as a chart labels them. */
const MEMORY_SERIES: Record<string, string> = {
  rss: 'RSS',
  pss: 'PSS',
  'heap.used': 'JS heap used',
  'heap.total': 'JS heap total',
  external: 'external',
};

/** Live bytes of a selection of allocations (null: all) at the charts' instants. */
export function liveBytes(profile: Profile, indices: ArrayLike<number> | null): Float64Array {
  return liveSeries(profile.columns, indices, 0, profile.runtimeNs, POINTS).bytes;
}

/** The charts' instants, in seconds. */
export function chartTimes(profile: Profile): number[] {
  return Array.from(liveSeries(profile.columns, [], 0, profile.runtimeNs, POINTS).time, (t) => t / 1e9);
}

export function marksOf(profile: Profile): ChartMark[] {
  return profile.marks.map((m) => ({ time: m.time / 1e9, label: m.label }));
}

/**
 * Live memory stacked by site, most suspicious first (`groups`, whose allocations
 * `members` gives), then everything else of `all` as one area.
 */
export function siteTimeline(
  profile: Profile,
  groups: GroupDiagnosis[],
  members: (site: number) => ArrayLike<number>,
  all: ArrayLike<number> | null,
  title: string,
): ChartInput {
  const names = labels(groups);
  const areas: ChartArea[] = groups.map((g, k) => ({
    label: names[k],
    values: liveBytes(profile, members(g.stackId)),
  }));
  const everything = liveBytes(profile, all);
  const rest = everything.map((v, i) => v - areas.reduce((a, s) => a + s.values[i], 0));
  if (rest.some((v) => v > 0)) areas.push({ label: 'all other sites', values: rest });
  return { title, time: chartTimes(profile), areas, marks: marksOf(profile), width: 1100 };
}

/** A site's leaked part stacked under the rest of what it allocated. */
export function leakedVersusAll(profile: Profile, g: GroupDiagnosis, all: ArrayLike<number>): ChartInput {
  const freeTime = profile.columns.freeTime;
  const leaked = Array.prototype.filter.call(all, (i: number) => freeTime[i] === Infinity) as number[];
  const leakedBytes = liveBytes(profile, leaked);
  const allBytes = liveBytes(profile, all);
  return {
    title: `${label(g)}: leaked and all`,
    time: chartTimes(profile),
    areas: [
      { label: 'Leaked', values: leakedBytes },
      { label: 'Freed', values: allBytes.map((v, i) => v - leakedBytes[i]) },
    ],
    marks: marksOf(profile),
    height: 220,
  };
}

/**
 * The memory series the recording sampled (RSS, the JS heap), as lines on a chart
 * of their own: RSS counts far more than the allocations, and on the timeline's
 * axis it would flatten the sites. Undefined when there are none.
 */
export function memoryChart(profile: Profile): ChartInput | undefined {
  const lines = Object.entries(MEMORY_SERIES)
    .map(([name, text]) => ({ text, s: profile.series.get(name) }))
    .filter(({ s }) => s !== undefined && s.time.length > 1)
    .map(({ text, s }) => ({ label: text, time: Array.from(s!.time, (t) => t / 1e9), values: s!.value }));
  if (lines.length === 0) return undefined;
  return {
    title: 'Memory the recorder sampled',
    time: [0, profile.runtime],
    areas: [],
    lines,
    marks: marksOf(profile),
    width: 1100,
    height: 240,
  };
}

/** What the verdict line leaves out: memory outside the sites, resident memory, an unfinished recording. */
export function diagnosisNotes(d: Diagnosis, complete: boolean): string[] {
  return [
    ...d.unattributed.filter((u) => u.verdict !== 'no-leak').map((u) => `${u.series}: ${u.verdict}, ${u.explanation}`),
    ...(d.residentMemory
      ? [`resident memory (rss): ${d.residentMemory.rss.verdict}, ${d.residentMemory.rss.explanation}`]
      : []),
    ...(complete
      ? []
      : ['This recording was not finished (still being written, or its program was killed): what it holds so far.']),
  ];
}
