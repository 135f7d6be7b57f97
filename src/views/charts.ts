import { Diagnosis, DiagnoseOptions, GroupDiagnosis, retainedTest } from '../diagnose/diagnose';
import { liveSeries } from '../profile/live-series';
import type { Profile } from '../profile/profile';
import type { ChartArea, ChartInput, ChartMark } from './chart-input';
import { label, labels } from './label';
import { isLeakVerdict, leaksFirst } from './verdict-order';

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
 * Live memory stacked by site (`groups`, whose allocations `members` gives), leaks
 * first at the bottom (views/verdict-order.ts), each coloured and labelled by its
 * verdict, then everything else of `all` as one faint area.
 */
export function siteTimeline(
  profile: Profile,
  groups: GroupDiagnosis[],
  members: (site: number) => ArrayLike<number>,
  all: ArrayLike<number> | null,
  title: string,
): ChartInput {
  const areas = siteAreas(profile, groups, members);
  const everything = liveBytes(profile, all);
  const rest = everything.map((v, i) => v - areas.reduce((a, s) => a + s.values[i], 0));
  if (rest.some((v) => v > 0)) areas.push({ label: 'all other sites', values: rest, colourBy: 'neutral' });
  return { title, time: chartTimes(profile), areas, marks: marksOf(profile), width: 1100 };
}

/**
 * Live memory of the leak sites alone (`leak`, `leak-freed-at-exit`; at most
 * TIMELINE_SITES of `groups`), on an axis of their own; undefined when there are none.
 * Beside a cache of megabytes, a leak of kilobytes a minute is a hairline on the
 * stacked timeline of every site, however early it is drawn: this chart is where its
 * growth shows.
 */
export function leakSitesTimeline(
  profile: Profile,
  groups: GroupDiagnosis[],
  members: (site: number) => ArrayLike<number>,
  title = 'Live memory of the leak sites',
): ChartInput | undefined {
  const leaks = groups.filter((g) => isLeakVerdict(g.verdict)).slice(0, TIMELINE_SITES);
  if (leaks.length === 0) return undefined;
  return {
    title,
    time: chartTimes(profile),
    areas: siteAreas(profile, leaks, members),
    marks: marksOf(profile),
    width: 1100,
  };
}

/** A site an area, leaks first, with its verdict. */
function siteAreas(
  profile: Profile,
  groups: GroupDiagnosis[],
  members: (site: number) => ArrayLike<number>,
): ChartArea[] {
  const ordered = leaksFirst(groups);
  const names = labels(ordered);
  return ordered.map((g, k) => ({
    label: names[k],
    values: liveBytes(profile, members(g.stackId)),
    verdict: g.verdict,
  }));
}

/**
 * Whether each allocation is retained memory, as the verdict weighs it (diagnose's
 * `retainedTest`, with the options the diagnosis was made with). A buffer realloc'ed
 * is one object: when one of its chain is retained, every buffer of the chain held
 * that memory (before it moved, or after, in shutdown), so all count. Two passes over
 * the columns, chains pointing both ways.
 */
export function retainedMemory(profile: Profile, options: DiagnoseOptions = {}): (index: number) => boolean {
  const retained = retainedTest(profile, options);
  const { reallocNext, reallocPrev, count } = profile.columns;
  const flags = new Uint8Array(count);
  for (let i = count - 1; i >= 0; i--) flags[i] = retained(i) || (reallocNext[i] >= 0 && flags[reallocNext[i]]) ? 1 : 0;
  for (let i = 0; i < count; i++) if (reallocPrev[i] >= 0) flags[i] |= flags[reallocPrev[i]];
  return (i) => flags[i] === 1;
}

/**
 * A site's retained part (in its verdict's colour) stacked under the rest of what it
 * allocated, freed: the split the verdict weighs. `retained`: `retainedMemory`'s.
 */
export function retainedVersusFreed(
  profile: Profile,
  g: GroupDiagnosis,
  all: ArrayLike<number>,
  retained: (index: number) => boolean,
): ChartInput {
  const kept = Array.prototype.filter.call(all, retained) as number[];
  const keptBytes = liveBytes(profile, kept);
  const allBytes = liveBytes(profile, all);
  return {
    title: `${label(g)} (${g.verdict}): retained and freed`,
    time: chartTimes(profile),
    areas: [
      { label: 'retained (alive at the end of the work)', values: keptBytes, colourBy: g.verdict },
      { label: 'freed', values: allBytes.map((v, i) => v - keptBytes[i]), colourBy: 'neutral' },
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
    ...(d.sampling ? [`Sampled: ${d.sampling.explanation}.`] : []),
    ...d.unattributed.filter((u) => u.verdict !== 'no-leak').map((u) => `${u.series}: ${u.verdict}, ${u.explanation}`),
    ...(d.residentMemory
      ? [`resident memory (rss): ${d.residentMemory.rss.verdict}, ${d.residentMemory.rss.explanation}`]
      : []),
    ...(complete
      ? []
      : ['This recording was not finished (still being written, or its program was killed): what it holds so far.']),
  ];
}
