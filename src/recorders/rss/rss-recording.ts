import { LhpWriter } from '../../format/writer';
import { writeTreeSample } from './series';
import type { TreeSample } from './tree-sampler';

/**
 * `watch --record-to`: the samples as an .lhp stream of the `rss` recorder, time
 * series and process records only, flushed at every sample so that nothing sampled
 * is lost if `watch` is killed.
 */
export class RssRecording {
  private readonly described = new Set<number>();

  private constructor(
    private readonly writer: LhpWriter,
    private readonly perProcess: boolean,
  ) {}

  /** `startNs`: the clock reading (process.hrtime) that sample times count from. */
  static create(
    path: string,
    root: { pid: number; command: string[] },
    startNs: bigint,
    options: { intervalMs: number; tree: boolean },
  ): RssRecording {
    const writer = LhpWriter.create(path, {
      recorder: 'rss',
      startNs: startNs.toString(),
      pid: root.pid,
      command: root.command,
      options: { intervalMs: options.intervalMs, tree: options.tree },
    });
    writer.flush();
    return new RssRecording(writer, options.tree);
  }

  write(sample: TreeSample, nowNs: number): void {
    for (const p of sample.processes) {
      if (this.described.has(p.pid)) continue;
      this.described.add(p.pid);
      this.writer.process(p.pid, p.parent, p.command);
    }
    writeTreeSample(this.writer, nowNs, sample, this.perProcess);
    this.writer.flush();
  }

  finish(nowNs: number): void {
    this.writer.finish(nowNs);
    this.writer.close();
  }
}
