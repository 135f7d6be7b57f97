import type { Profile } from '../profile/profile';
import { liveSeries } from '../profile/live-series';
import { AllocationList } from './allocation-list';
import { AllocationGroup, AllocationGroupList } from './group-list';

/** One plotted series: live memory of a list over time. Times in seconds. */
export interface GraphSeries {
  label: string;
  time: number[];
  liveBytes: number[];
  liveCount: number[];
}

interface Entry {
  label: string;
  list: AllocationList;
}

/**
 * Live memory over time of one or more lists, as bytehound's graph(): immutable,
 * each `add` returns a new graph, so `graph().add('Leaked', leaked).add('All', all)`
 * compares the leaked part with everything from the same place.
 */
export class Graph {
  constructor(
    readonly profile: Profile,
    private readonly entries: readonly Entry[] = [],
  ) {}

  /** Adds a list (labelled), or a group list (one series per group, labelled by its top frame). */
  add(label: string, list: AllocationList | AllocationGroup): Graph;
  add(list: AllocationList | AllocationGroup | AllocationGroupList): Graph;
  add(a: string | AllocationList | AllocationGroup | AllocationGroupList, b?: AllocationList | AllocationGroup): Graph {
    const added: Entry[] = [];
    if (typeof a === 'string') added.push({ label: a, list: asList(b!) });
    else if (a instanceof AllocationGroupList) for (const g of a) added.push({ label: groupLabel(g), list: g.allocations() });
    else added.push({ label: a instanceof AllocationGroup ? groupLabel(a) : `Series ${this.entries.length + 1}`, list: asList(a) });
    return new Graph(this.profile, [...this.entries, ...added]);
  }

  /** Each list's own live bytes and count at `points` instants spread over the run. */
  series(points = 200): GraphSeries[] {
    const end = this.profile.runtimeNs;
    const raw = this.entries.map((e) => ({ label: e.label, s: liveSeries(this.profile.columns, e.list.indices(), 0, end, points) }));
    return raw.map(({ label, s }) => ({
      label,
      time: Array.from(s.time, (t) => t / 1e9),
      liveBytes: Array.from(s.bytes),
      liveCount: Array.from(s.count),
    }));
  }
}

function asList(x: AllocationList | AllocationGroup): AllocationList {
  return x instanceof AllocationGroup ? x.allocations() : x;
}

function groupLabel(g: AllocationGroup): string {
  const top = g.backtrace().strip().frames[0];
  return top ? top.function : `stack ${g.stackId}`;
}
