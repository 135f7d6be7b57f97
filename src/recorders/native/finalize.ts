import * as fs from 'node:fs';
import { LhpVisitor, readLhp } from '../../format/reader';
import { LhpWriter } from '../../format/writer';
import { ModuleRange, symbolize } from '../../symbolize/symbolize';
import { sniffFile } from '../../format/chunk-source';

export interface FinalizeResult {
  /** Allocation records in the file. */
  allocations: number;
  /** The recorded process. */
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

/** What symbolizing a recording needs. */
interface FrameTable {
  allocations: number;
  nextStringId: number;
  frames: Map<number, number>;
  modules: ModuleRange[];
  compressed: boolean;
  pid: number;
  /** False for a compressed stream cut short: nothing can follow it; it is symbolized when loaded. */
  appendable: boolean;
}

/**
 * Symbolizes a native recording once its process has ended (heaptrack's "interpret"
 * step, done after the run instead of beside it): each unique frame address is
 * resolved once, and the results are appended to the file as symbol records, so
 * the file is readable on another machine and loads without running addr2line again.
 */
export function finalizeRecording(path: string): FinalizeResult {
  const table = readFramesFile(path) ?? readStream(path);
  const warnings: string[] = [];
  if (table.appendable && table.frames.size > 0) {
    const { resolved, unreadable } = symbolize(table.frames, table.modules);
    if (unreadable.length)
      warnings.push(
        `no symbols from ${unreadable.join(', ')} (addr2line missing, or the file unreadable): looked up again when the profile is loaded`,
      );
    const writer = LhpWriter.appendTo(path, table.nextStringId, { compressed: table.compressed });
    try {
      for (const [frame, r] of resolved) writer.symbol(frame, r.module, r.frames);
    } finally {
      writer.close();
    }
  }
  return { allocations: table.allocations, pid: table.pid, warnings };
}

/** The frame table from the whole stream (when the recorder could not write `.frames`). */
function readStream(path: string): FrameTable {
  const collector = new FrameCollector();
  const read = readLhp(path, collector, { definitionsOnly: true });
  // A record cut by a kill is lost anyway: the symbols must follow a complete one. A
  // compressed stream cannot be cut there.
  const appendable = !(read.truncated && read.compressed);
  if (read.truncated && appendable) fs.truncateSync(path, read.completeBytes);
  const { frames, modules, strings: nextStringId } = collector;
  return {
    allocations: read.skippedAllocations,
    nextStringId,
    frames,
    modules,
    compressed: read.compressed,
    pid: read.header.pid,
    appendable,
  };
}

/**
 * The frame table the recorder writes beside a cleanly finished stream
 * (`<stream>.frames`, format in src/recorders/native/recorder.c), read and removed.
 */
function readFramesFile(path: string): FrameTable | undefined {
  const sidecar = `${path}.frames`;
  let b: Buffer;
  try {
    b = fs.readFileSync(sidecar);
    fs.rmSync(sidecar);
  } catch {
    return undefined;
  }
  try {
    if (b.toString('latin1', 0, 8) !== 'LHFRAMES') return undefined;
    const allocations = Number(b.readBigUInt64LE(8));
    const pid = b.readUInt32LE(16);
    const nextStringId = b.readUInt32LE(20);
    const count = b.readUInt32LE(24);
    const frames = new Map<number, number>();
    let at = 28;
    for (let id = 0; id < count; id++, at += 8) {
      const address = Number(b.readBigUInt64LE(at));
      if (address) frames.set(id, address);
    }
    const modules: ModuleRange[] = [];
    const moduleCount = b.readUInt32LE(at);
    at += 4;
    for (let i = 0; i < moduleCount; i++) {
      const start = Number(b.readBigUInt64LE(at));
      const end = Number(b.readBigUInt64LE(at + 8));
      const length = b.readUInt32LE(at + 16);
      modules.push({ start, end, path: b.toString('utf8', at + 20, at + 20 + length) });
      at += 20 + length;
    }
    const stream = sniffFile(path);
    if (!stream) return undefined;
    return { allocations, nextStringId, frames, modules, compressed: stream.compressed, pid, appendable: true };
  } catch {
    return undefined; // cut short: read the stream instead
  }
}
