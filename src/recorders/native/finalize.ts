import * as fs from 'node:fs';
import { LhpVisitor, readLhp } from '../../format/reader';
import { LhpWriter } from '../../format/writer';
import { ModuleRange, symbolize } from '../../symbolize/symbolize';

export interface FinalizeResult {
  /** Allocation records in the file. */
  allocations: number;
  /** Frames resolved and appended as symbol records. */
  symbolized: number;
  pid: number;
  warnings: string[];
}

/** Collects what symbolization needs. */
class FrameCollector implements LhpVisitor {
  strings = 1;
  readonly frames = new Map<number, number>();
  readonly modules: ModuleRange[] = [];
  private readonly paths: string[] = [''];
  string(id: number, text: string): void {
    this.strings = Math.max(this.strings, id + 1);
    this.paths[id] = text;
  }
  frame(id: number, address: number, fn: number): void {
    if (fn === 0 && address !== 0) this.frames.set(id, address);
  }
  symbol(frame: number): void {
    this.frames.delete(frame);
  }
  module(start: number, end: number, path: number): void {
    this.modules.push({ start, end, path: this.paths[path] ?? '' });
  }
  alloc(): void {}
  realloc(): void {}
  stack(): void {}
  free(): void {}
  sample(): void {}
  mark(): void {}
  thread(): void {}
  process(): void {}
  end(): void {}
}

/**
 * Symbolizes a native recording once its process has ended (heaptrack's "interpret"
 * step, done after the run instead of beside it): each unique frame address is
 * resolved once, and the results are appended to the file as symbol records, so
 * the file is readable on another machine and loads without running addr2line again.
 */
export function finalizeRecording(path: string): FinalizeResult {
  const collector = new FrameCollector();
  const read = readLhp(path, collector, { definitionsOnly: true });
  const warnings: string[] = [];
  let symbolized = 0;
  // A record cut by a kill is lost anyway: the symbols must follow a complete one. A
  // compressed stream cannot be cut there; its frames are symbolized when loaded.
  if (collector.frames.size > 0 && !(read.truncated && read.compressed)) {
    if (read.truncated) fs.truncateSync(path, read.completeBytes);
    const { resolved, unreadable } = symbolize(collector.frames, collector.modules);
    if (unreadable.length) warnings.push(`no symbols from ${unreadable.join(', ')}: their frames show as addresses`);
    const writer = LhpWriter.appendTo(path, collector.strings, { compressed: read.compressed });
    try {
      for (const [frame, r] of resolved) writer.symbol(frame, r.module, r.frames);
    } finally {
      writer.close();
    }
    symbolized = resolved.size;
  }
  return { allocations: read.skippedAllocations, symbolized, pid: read.header.pid, warnings };
}
