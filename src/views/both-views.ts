import type { Diagnosis, Verdict } from '../diagnose/diagnose';
import { evenInstants, liveSeriesAt } from '../profile/live-series';
import type { Profile } from '../profile/profile';
import type { ChartArea, ChartInput } from './chart-input';
import { marksOf, POINTS, TIMELINE_SITES } from './charts';
import { labels } from './label';
import { SiteIndex } from './site-index';
import { leaksFirst } from './verdict-order';

/** One recorder's view of a process: its profile and the diagnosis of it. */
export interface ProcessView {
  profile: Profile;
  diagnosis: Diagnosis;
}

/**
 * A node process recorded by both recorders (`record --native`) on one timeline: its
 * most suspicious JS sites (the JS heap, sampled) and native sites (malloc) stacked
 * together, on the native profile's clock (both profiles' starts are readings of one
 * monotonic clock). V8's own heap sites are left out: the JS sites are what they hold.
 */
export function bothViewsTimeline(js: ProcessView, native: ProcessView): ChartInput {
  const time = evenInstants(0, native.profile.runtimeNs, POINTS);
  // how long after the native view the JS one began, in nanoseconds
  const lag = Number(BigInt(js.profile.header.startNs) - BigInt(native.profile.header.startNs));
  return {
    title: 'JS heap and native memory by allocation site, on one clock',
    time: Array.from(time, (t) => t / 1e9),
    // leaks first, whichever view they are of: the bottom of the stack
    areas: leaksFirst([
      ...topSites(
        js,
        'JS',
        time.map((t) => t - lag),
      ),
      ...topSites(native, 'native', time),
    ]).map(({ area }) => area),
    marks: marksOf(native.profile),
    width: 1100,
  };
}

/** The view's most suspicious sites (half the timeline's), their live bytes at `instants` of its own clock. */
function topSites(view: ProcessView, kind: string, instants: Float64Array): { verdict: Verdict; area: ChartArea }[] {
  const sites = new SiteIndex(view.profile);
  const shown = view.diagnosis.groups.filter((g) => !g.v8Heap).slice(0, TIMELINE_SITES / 2);
  const names = labels(shown);
  return shown.map((g, k) => ({
    verdict: g.verdict,
    area: {
      label: `${kind}: ${names[k]}`,
      values: liveSeriesAt(view.profile.columns, sites.members(g.stackId), instants).bytes,
      verdict: g.verdict,
    },
  }));
}
