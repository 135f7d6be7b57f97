import * as path from 'node:path';
import type { Profile } from '../profile/profile';
import { liveSeries } from '../profile/live-series';
import { chartSvg } from '../render/svg/chart';
import { svgToPng } from '../render/svg/png';
import { makeDirectory, writeFileAtomically } from '../util/regular-files';
import { AllocationList } from '../query/allocation-list';
import { AllocationGroup, AllocationGroupList } from '../query/group-list';

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

/** How a graph is drawn and where `save()` without a path writes. */
export interface GraphOptions {
  /** Points of each series (default 200). */
  points?: number;
  width?: number;
  height?: number;
  title?: string;
  /** The file `save()` writes when given none (`leakhound script` numbers them). */
  defaultFile?: () => string;
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
    private readonly options: GraphOptions = {},
  ) {}

  /** Adds a list (labelled), or a group list (one series per group, labelled by its top frame). */
  add(label: string, list: AllocationList | AllocationGroup): Graph;
  add(list: AllocationList | AllocationGroup | AllocationGroupList): Graph;
  add(a: string | AllocationList | AllocationGroup | AllocationGroupList, b?: AllocationList | AllocationGroup): Graph {
    const added: Entry[] = [];
    if (typeof a === 'string') added.push({ label: a, list: asList(b!) });
    else if (a instanceof AllocationGroupList)
      for (const g of a) added.push({ label: groupLabel(g), list: g.allocations() });
    else
      added.push({
        label: a instanceof AllocationGroup ? groupLabel(a) : `Series ${this.entries.length + 1}`,
        list: asList(a),
      });
    return new Graph(this.profile, [...this.entries, ...added], this.options);
  }

  /** The same graph drawn otherwise (`{ title: 'Leaked vs all', width: 1200 }`). */
  with(options: GraphOptions): Graph {
    return new Graph(this.profile, this.entries, { ...this.options, ...options });
  }

  /**
   * As bytehound draws it: each allocation counts in the first series that holds it,
   * so `.add('Leaked', leaked).add('Temporary', all)` stacks the rest of `all` on the
   * leaked part, and the top is everything.
   */
  stackedSeries(points = this.options.points ?? 200): GraphSeries[] {
    const claimed = new Uint8Array(this.profile.columns.count);
    return this.entries.map((e) => {
      const own = e.list.indices().filter((i) => claimed[i] === 0);
      for (const i of own) claimed[i] = 1;
      return this.seriesOf(e.label, own, points);
    });
  }

  /** The stacked graph as an SVG, with the recording's marks (SIGUSR2 dumps). */
  toSvg(): string {
    const stacked = this.stackedSeries();
    return chartSvg({
      title: this.options.title,
      width: this.options.width,
      height: this.options.height,
      time: stacked[0]?.time ?? [0, this.profile.runtime],
      areas: stacked.map((s) => ({ label: s.label, values: s.liveBytes })),
      marks: this.profile.marks.map((m) => ({ time: m.time / 1e9, label: m.label })),
    });
  }

  /**
   * Writes the graph to `file`: an SVG, or a PNG when the name ends in .png. Without
   * a file, where the graph's options say (a script's numbered graphs). Returns the path.
   */
  save(file?: string): string {
    const target = file ?? this.options.defaultFile?.();
    if (!target) throw new Error('graph().save(file): say where to write the graph (an .svg or .png file)');
    const svg = this.toSvg();
    makeDirectory(path.dirname(path.resolve(target)));
    writeFileAtomically(target, target.toLowerCase().endsWith('.png') ? svgToPng(svg) : svg);
    return target;
  }

  /** Each list's own live bytes and count at `points` instants spread over the run. */
  series(points = this.options.points ?? 200): GraphSeries[] {
    return this.entries.map((e) => this.seriesOf(e.label, e.list.indices(), points));
  }

  private seriesOf(label: string, indices: ArrayLike<number>, points: number): GraphSeries {
    const s = liveSeries(this.profile.columns, indices, 0, this.profile.runtimeNs, points);
    return {
      label,
      time: Array.from(s.time, (t) => t / 1e9),
      liveBytes: Array.from(s.bytes),
      liveCount: Array.from(s.count),
    };
  }
}

function asList(x: AllocationList | AllocationGroup): AllocationList {
  return x instanceof AllocationGroup ? x.allocations() : x;
}

function groupLabel(g: AllocationGroup): string {
  const top = g.backtrace().strip().frames[0];
  return top ? top.function : `stack ${g.stackId}`;
}
