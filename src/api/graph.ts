import * as path from 'node:path';
import type { Profile } from '../profile/profile';
import { liveSeries } from '../profile/live-series';
import { chartSvg } from '../render/svg/chart';
import { svgToPng } from '../render/svg/png';
import { makeDirectory, writeFileAtomically } from '../util/regular-files';
import { AllocationList } from '../query/allocation-list';
import { AllocationGroup, AllocationGroupList } from '../query/group-list';
import { label, labels, siteOf } from '../views/label';

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
  /**
   * Told, instead of an error, that `save()` wrote nothing because the graph is empty:
   * its title, why, and the file asked for, if one was (`leakhound script` prints it).
   */
  onEmpty?: (title: string | undefined, why: string, file: string | undefined) => void;
}

/** Series names a default title lists before `and N more`. */
const TITLE_NAMES = 3;

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

  /**
   * Adds a list (labelled), or a group list (one series per group, labelled by its
   * site, as the report names it: `session_new (session.c:57)`, with callers where two
   * groups share it).
   */
  add(label: string, list: AllocationList | AllocationGroup): Graph;
  add(list: AllocationList | AllocationGroup | AllocationGroupList): Graph;
  add(a: string | AllocationList | AllocationGroup | AllocationGroupList, b?: AllocationList | AllocationGroup): Graph {
    const added: Entry[] = [];
    if (typeof a === 'string') added.push({ label: a, list: asList(b!) });
    else if (a instanceof AllocationGroupList) {
      const groups = [...a];
      const names = labels(groups.map((g) => siteOf(g.backtrace())));
      added.push(...groups.map((g, k) => ({ label: names[k], list: g.allocations() })));
    } else
      added.push({
        label: a instanceof AllocationGroup ? label(siteOf(a.backtrace())) : `Series ${this.entries.length + 1}`,
        list: asList(a),
      });
    return new Graph(this.profile, [...this.entries, ...added], this.options);
  }

  /** The same graph with a title, drawn above it (without one, the title lists the series). */
  title(text: string): Graph {
    return this.with({ title: text });
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
    return this.svgOf(this.stackedSeries());
  }

  private svgOf(stacked: GraphSeries[]): string {
    return chartSvg({
      title: this.options.title ?? defaultTitle(stacked),
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
   * An empty graph (no series, or nothing alive in any) is not written: an error says
   * why, or `onEmpty` is told and save() returns undefined.
   */
  save(file?: string): string | undefined {
    const stacked = this.stackedSeries();
    const empty = this.emptiness(stacked);
    if (empty) {
      const title = this.options.title ?? (stacked.length ? defaultTitle(stacked) : undefined);
      if (!this.options.onEmpty) throw new Error(`graph${title ? ` "${title}"` : ''} not written: ${empty}`);
      this.options.onEmpty(title, empty, file);
      return undefined;
    }
    const target = file ?? this.options.defaultFile?.();
    if (!target) throw new Error('graph().save(file): say where to write the graph (an .svg or .png file)');
    const svg = this.svgOf(stacked);
    makeDirectory(path.dirname(path.resolve(target)));
    writeFileAtomically(target, target.toLowerCase().endsWith('.png') ? svgToPng(svg) : svg);
    return target;
  }

  /** Why the graph would draw nothing (undefined when it draws something). */
  private emptiness(stacked: GraphSeries[]): string | undefined {
    if (stacked.length === 0) return 'it has no series (nothing was added, or only an empty group list)';
    if (stacked.some((s) => s.liveBytes.some((v) => v > 0))) return undefined;
    const each = stacked.map((s, k) => {
      const count = this.entries[k].list.len();
      return `"${s.label}" ${count === 0 ? 'holds no allocations' : `has none of its ${count} allocations alive at the graph's instants`}`;
    });
    return `every series is empty: ${each.join('; ')}`;
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

/** A graph's title when the script gives none: its series' names. */
function defaultTitle(stacked: GraphSeries[]): string | undefined {
  if (stacked.length === 0) return undefined;
  const names = stacked.slice(0, TITLE_NAMES).map((s) => s.label);
  const more = stacked.length - names.length;
  if (more > 0) return `${names.join(', ')} and ${more} more`;
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
