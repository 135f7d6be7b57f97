import type { Profile, Series } from '../profile/profile';
import { BucketedSeries } from './bucketed-series';
import { memoryTrend, MemoryTrend } from './memory-trend';

/** The verdict on the resident memory a recording sampled: `watch`'s rules, on its `rss` series. */
export interface ResidentMemory {
  /** The total (the tree's, for a watch of several processes). */
  rss: MemoryTrend;
  /** Each process of a watched tree (its `rss.<pid>` series). */
  processes: { pid: number; command: string; trend: MemoryTrend }[];
}

/** Points a verdict reads, as `watch` keeps them. */
const BUCKETS = 64;

/** Judges the profile's `rss` series up to `untilNs` (what is known of the run), or undefined without one. */
export function residentMemory(profile: Profile, untilNs: number): ResidentMemory | undefined {
  const rss = profile.series.get('rss');
  if (!rss || rss.time.length === 0) return undefined;
  const processes: ResidentMemory['processes'] = [];
  for (const [name, series] of profile.series) {
    const m = /^rss\.(\d+)$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    processes.push({
      pid,
      command: profile.processes.find((p) => p.pid === pid)?.command ?? '',
      trend: judge(series, untilNs),
    });
  }
  return { rss: judge(rss, untilNs), processes: processes.sort((a, b) => a.pid - b.pid) };
}

function judge(series: Series, untilNs: number): MemoryTrend {
  const buckets = new BucketedSeries(BUCKETS);
  for (let i = 0; i < series.time.length && series.time[i] <= untilNs; i++)
    buckets.add(series.time[i] / 1e9, series.value[i]);
  return memoryTrend(buckets.points());
}
