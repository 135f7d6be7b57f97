import type { LhpWriter } from '../../format/writer';
import type { TreeSample } from './tree-sampler';

/**
 * Writes a sample of a process tree as the series every recording shares: `rss`
 * (and `pss`, `swap` when smaps_rollup was read) summed over the tree, and
 * `rss.<pid>` for each process when the tree has more than the root.
 */
export function writeTreeSample(writer: LhpWriter, nowNs: number, sample: TreeSample, perProcess: boolean): void {
  if (sample.processes.length === 0) return;
  writer.sample(nowNs, 'rss', sample.rss);
  if (sample.pss !== undefined) writer.sample(nowNs, 'pss', sample.pss);
  if (sample.swap !== undefined) writer.sample(nowNs, 'swap', sample.swap);
  if (perProcess) for (const p of sample.processes) writer.sample(nowNs, `rss.${p.pid}`, p.rss);
}
