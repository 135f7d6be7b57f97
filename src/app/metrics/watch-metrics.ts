import { Counter, Gauge, Registry } from 'prom-client';
import { MEMORY_VERDICTS, MemoryTrend } from '../../diagnose/memory-trend';
import type { ProcessVerdict, WatchState } from '../../diagnose/memory-watch';

/**
 * The watch as Prometheus metrics (prom-client writes the text exposition): the
 * tree's total and each live process's memory, growth rate and verdict. A verdict
 * is a labelled gauge, 1 for the current one and 0 for the others, so a rule can
 * alert on `leakhound_process_verdict{verdict="growing"} == 1`.
 */
export class WatchMetrics {
  readonly registry = new Registry();
  private readonly samples = new Counter({
    name: 'leakhound_watch_samples_total',
    help: 'Samples taken of the watched tree',
    registers: [this.registry],
  });
  private readonly treeProcesses = this.gauge('leakhound_tree_processes', 'Processes in the watched tree', []);
  private readonly tree = {
    rss: this.gauge('leakhound_tree_rss_bytes', 'Resident set size of the watched tree (sum of its processes)', []),
    // registered once known: a gauge without labels reads 0 until set, and 0 would be a lie
    pss: undefined as Gauge | undefined,
    swap: undefined as Gauge | undefined,
    growth: this.gauge(
      'leakhound_tree_growth_bytes_per_second',
      'Growth of the tree RSS after warm-up (Theil-Sen slope)',
      [],
    ),
    verdict: this.gauge(
      'leakhound_tree_verdict',
      'Verdict on the tree RSS: 1 for the current verdict, 0 for the others',
      ['verdict'],
    ),
  };
  private readonly process = {
    rss: this.gauge('leakhound_process_rss_bytes', 'Resident set size of a process of the watched tree', [
      'pid',
      'command',
    ]),
    pss: this.gauge('leakhound_process_pss_bytes', 'Proportional set size of a process, from smaps_rollup', [
      'pid',
      'command',
    ]),
    swap: this.gauge('leakhound_process_swap_bytes', 'Swapped-out memory of a process, from smaps_rollup', [
      'pid',
      'command',
    ]),
    growth: this.gauge(
      'leakhound_process_growth_bytes_per_second',
      'Growth of a process RSS after warm-up (Theil-Sen slope)',
      ['pid', 'command'],
    ),
    verdict: this.gauge(
      'leakhound_process_verdict',
      "Verdict on a process's RSS: 1 for the current verdict, 0 for the others",
      ['pid', 'command', 'verdict'],
    ),
  };

  /** The latest sample, at every sample. */
  sampled(state: WatchState): void {
    this.samples.inc();
    const s = state.sample;
    this.treeProcesses.set(s.processes.length);
    this.tree.rss.set(s.rss);
    if (s.pss !== undefined) {
      this.tree.pss ??= this.gauge(
        'leakhound_tree_pss_bytes',
        'Proportional set size of the watched tree, from smaps_rollup (read less often)',
        [],
      );
      this.tree.pss.set(s.pss);
    }
    if (s.swap !== undefined) {
      this.tree.swap ??= this.gauge(
        'leakhound_tree_swap_bytes',
        'Swapped-out memory of the watched tree, from smaps_rollup',
        [],
      );
      this.tree.swap.set(s.swap);
    }
    this.setTrend(this.tree.growth, this.tree.verdict, {}, state.total);
  }

  /** Each live process (judged when scraped: each is a Theil–Sen fit); gone ones are dropped. */
  processes(verdicts: ProcessVerdict[]): void {
    for (const g of Object.values(this.process)) g.reset();
    for (const p of verdicts) {
      if (p.gone) continue;
      const labels = { pid: String(p.pid), command: p.command };
      this.process.rss.set(labels, p.rss);
      if (p.pss !== undefined) this.process.pss.set(labels, p.pss);
      if (p.swap !== undefined) this.process.swap.set(labels, p.swap);
      this.setTrend(this.process.growth, this.process.verdict, labels, p.trend);
    }
  }

  private setTrend(growth: Gauge, verdict: Gauge, labels: Record<string, string>, trend: MemoryTrend): void {
    growth.set(labels, trend.bytesPerSecond);
    for (const v of MEMORY_VERDICTS) verdict.set({ ...labels, verdict: v }, v === trend.verdict ? 1 : 0);
  }

  private gauge(name: string, help: string, labelNames: string[]): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
