import { sniffFile } from '../format/chunk-source';
import { LhpError } from '../format/errors';
import { ReadLimit, WHOLE_FILE } from '../format/read-limit';
import { LhpFileReader, LhpVisitor, ReadOptions, ReadResult } from '../format/reader';
import { detectFormat, ImportedFrom, importProfile } from '../import';
import { AddressMap } from './address-map';
import { ColumnBuilder } from './columns';
import { IdTable } from './id-table';
import { Resolution } from '../symbolize/symbolize';
import { Frame } from './frames';
import { resolveNativeFrames } from './native-frames';
import { LoadInfo, Mark, ModuleInfo, ProcessInfo, ProfileParts, Series, ThreadInfo } from './profile';
import { progressBar } from '../util/progress';

export interface LoadOptions {
  /** Show a progress bar on stderr (default: when stderr is a terminal and the file is big). */
  progress?: boolean;
}

/**
 * An allocation record takes at least 7 bytes, so size/7 bounds the count of a plain
 * file; a compressed file's count is unknown. Columns start at that size, up to 4 M
 * allocations, and grow as they fill: sized to what the file holds, since address space
 * is not free (a ulimit counts it) and a real recording holds far fewer than size/7.
 */
const MIN_ALLOC_RECORD_BYTES = 7;
const MAX_PRESIZED_ALLOCATIONS = 1 << 22;
/** The same for imported files: a heaptrack event line (`+ 1f`) takes at least 4 bytes, a .heapprofile sample 40 of JSON. */
const MIN_HEAPTRACK_EVENT_BYTES = 4;
const MIN_HEAPPROFILE_SAMPLE_BYTES = 40;

/**
 * Reads an .lhp file into the parts of a Profile; also a heaptrack recording or a
 * .heapprofile (docs/IMPORT.md). Throws LhpError (one line) on bad input; a truncated
 * file loads with a warning. `load()` (api/load.ts) makes the Profile of them.
 */
export function readProfile(path: string, options: LoadOptions = {}): ProfileParts {
  return explainingMemory(path, () => {
    const format = detectFormat(path);
    return format === 'lhp' ? loadLhp(path, options) : loadImported(path, format, options);
  });
}

/** Runs `load`, turning running out of memory into a one-line LhpError. */
function explainingMemory<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof RangeError && /allocation failed|Invalid (typed )?array length/.test(err.message)) {
      throw new LhpError(
        `not enough memory to load ${path} (${err.message}): raise the limit (ulimit -v) or analyze on a bigger machine`,
      );
    }
    throw err;
  }
}

function loadLhp(path: string, options: LoadOptions): ProfileParts {
  let bar: ReturnType<typeof progressBar>;
  const loader = new ProfileLoader(path, { onProgress: (fraction) => bar?.update(fraction) });
  try {
    bar = progressBar(
      options.progress ?? (process.stderr.isTTY === true && loader.fileSize > 64 << 20),
      `loading ${path}`,
    );
    return loader.readTo(WHOLE_FILE);
  } finally {
    bar?.stop();
    loader.close();
  }
}

/**
 * An .lhp file loaded into the parts of a Profile: whole (`readProfile`), or in steps
 * while a recorder appends to it (`record --report-every`): each `readTo` reads on from
 * where the last stopped and gives the parts of everything read so far. Those parts
 * share the loader's columns: they are valid until the next `readTo`.
 */
export class ProfileLoader {
  /** The file's size when it was opened. */
  readonly fileSize: number;
  private readonly builder: ProfileBuilder;
  private readonly reader: LhpFileReader;

  constructor(
    readonly path: string,
    options: ReadOptions = {},
  ) {
    this.fileSize = sniffFile(path)?.size ?? 0; // undefined: the reader says why the file cannot be read
    this.builder = new ProfileBuilder(path, Math.min(this.fileSize / MIN_ALLOC_RECORD_BYTES, MAX_PRESIZED_ALLOCATIONS));
    this.reader = new LhpFileReader(path, this.builder, options);
  }

  /** Reads on up to `limit`, and gives the parts of everything read. Throws LhpError (one line) on bad input. */
  readTo(limit: ReadLimit): ProfileParts {
    const result = this.readOn(limit);
    return explainingMemory(this.path, () =>
      this.builder.build(this.path, result.header, {
        compressed: result.compressed,
        records: result.records,
        truncated: result.truncated,
        clean: result.clean,
        warnings: readWarnings(this.path, result),
      }),
    );
  }

  /** Reads on up to `limit`, and no more: what the next `readTo` need not read. */
  readOn(limit: ReadLimit): ReadResult {
    return explainingMemory(this.path, () => this.reader.readTo(limit));
  }

  close(): void {
    this.reader.close();
  }
}

/** What the reader noticed: a file cut short, or one with no end record. */
function readWarnings(path: string, result: ReadResult): string[] {
  if (result.truncated) {
    return [
      `${path} is truncated after byte ${result.completeBytes}${result.compressed ? ' of its decompressed stream' : ''} (the recorder was killed?): loaded every complete record before it`,
    ];
  }
  if (!result.clean) {
    return [`${path} has no end record: the recorder was killed or is still running; loaded everything written so far`];
  }
  return [];
}

/** Another tool's file, read by its importer (src/import) into the same builder. */
function loadImported(path: string, format: ImportedFrom['format'], options: LoadOptions): ProfileParts {
  const size = sniffFile(path)?.size ?? 0;
  const perByte = 1 / (format === 'heaptrack' ? MIN_HEAPTRACK_EVENT_BYTES : MIN_HEAPPROFILE_SAMPLE_BYTES);
  const estimate = Math.min(size * perByte, MAX_PRESIZED_ALLOCATIONS);
  const builder = new ProfileBuilder(path, estimate);
  // as for an .lhp of 64 MiB: a few seconds of loading
  const bar = progressBar(
    options.progress ?? (process.stderr.isTTY === true && estimate > (64 << 20) / MIN_ALLOC_RECORD_BYTES),
    `loading ${path}`,
  );
  let result: ReturnType<typeof importProfile>;
  try {
    result = importProfile(path, format, builder, { onProgress: bar?.update });
  } finally {
    bar?.stop();
  }
  const { header, imported, warnings, compressed, records, truncated, clean } = result;
  return builder.build(path, header, { compressed, records, truncated, clean, warnings, imported });
}

class ProfileBuilder implements LhpVisitor {
  private readonly strings: string[] = [''];
  private readonly stringIds = new IdTable();
  private readonly frameList: Frame[] = [];
  private readonly frameIds = new IdTable();
  private readonly stacks: Uint32Array[] = [];
  private readonly stackIds = new IdTable();
  private readonly columns: ColumnBuilder;
  private readonly live = new AddressMap(1 << 16);
  private readonly threadIndex = new Map<number, number>();
  private readonly threads: ThreadInfo[] = [];
  private readonly processes: ProcessInfo[] = [];
  private readonly modules: ModuleInfo[] = [];
  private readonly samples = new Map<number, { time: number[]; value: number[] }>();
  private readonly markList: { time: number; label: number }[] = [];
  private readonly symbols = new Map<number, Resolution>();
  private maxTime = 0;
  private unmatchedFrees = 0;
  constructor(
    private readonly path: string,
    expectedAllocations: number,
  ) {
    this.columns = new ColumnBuilder(expectedAllocations);
    this.stringIds.define(0); // string 0 is "" without a record
  }

  string(id: number, text: string): void {
    this.strings[this.stringIds.define(id)] = text;
  }

  frame(id: number, address: number, fn: number, file: number, line: number, module: number): void {
    this.frameList[this.frameIds.define(id)] = {
      function: this.text(fn),
      file: this.text(file),
      line,
      module: this.text(module),
      address,
    };
  }

  stack(id: number, frames: Uint32Array): void {
    const indexes = new Uint32Array(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const f = this.frameIds.indexOf(frames[i]);
      if (f < 0) this.corrupt(`stack ${id} refers to frame ${frames[i]}, never defined`);
      indexes[i] = f;
    }
    this.stacks[this.stackIds.define(id)] = indexes;
  }

  alloc(time: number, address: number, size: number, fileStack: number, thread: number, weight: number): void {
    const stack = this.stackIds.indexOf(fileStack);
    if (stack < 0) this.corrupt(`an allocation refers to stack ${fileStack}, never defined`);
    const index = this.columns.push(size, weight, stack, this.threadOf(thread), time);
    const replaced = this.live.set(address, index);
    // A live address allocated again means its free was not seen: close the old one here.
    if (replaced >= 0) this.columns.columns.freeTime[replaced] = time;
    if (time > this.maxTime) this.maxTime = time;
  }

  free(time: number, address: number): void {
    const index = this.live.take(address);
    if (index < 0) {
      this.unmatchedFrees++;
      return;
    }
    this.columns.columns.freeTime[index] = time;
    if (time > this.maxTime) this.maxTime = time;
  }

  realloc(
    time: number,
    oldAddress: number,
    newAddress: number,
    size: number,
    stack: number,
    thread: number,
    weight = size,
  ): void {
    const old = oldAddress === 0 ? -1 : this.live.take(oldAddress);
    if (oldAddress !== 0 && old < 0) this.unmatchedFrees++;
    this.alloc(time, newAddress, size, stack, thread, weight);
    if (old >= 0) {
      const c = this.columns.columns;
      const index = c.count - 1;
      c.freeTime[old] = time;
      c.reallocNext[old] = index;
      c.reallocPrev[index] = old;
    }
  }

  sample(time: number, series: number, value: number): void {
    let s = this.samples.get(series);
    if (!s) this.samples.set(series, (s = { time: [], value: [] }));
    s.time.push(time);
    s.value.push(value);
    if (time > this.maxTime) this.maxTime = time;
  }

  mark(time: number, label: number): void {
    this.markList.push({ time, label });
    if (time > this.maxTime) this.maxTime = time;
  }

  thread(tid: number, name: number): void {
    this.threads[this.threadOf(tid)].name = this.text(name);
  }

  process(pid: number, ppid: number, command: number): void {
    this.processes.push({ pid, ppid, command: this.text(command) });
  }

  module(start: number, end: number, path: number): void {
    this.modules.push({ start, end, path: this.text(path) });
  }

  end(time: number): void {
    if (time > this.maxTime) this.maxTime = time;
  }

  symbol(fileFrame: number, module: number, sources: Float64Array): void {
    const frame = this.frameIds.indexOf(fileFrame);
    if (frame < 0) this.corrupt(`a symbol record refers to frame ${fileFrame}, never defined`);
    const frames = [];
    for (let i = 0; i < sources.length; i += 3)
      frames.push({ function: this.text(sources[i]), file: this.text(sources[i + 1]), line: sources[i + 2] });
    this.symbols.set(frame, { module: this.text(module), frames });
  }

  /**
   * The parts of what was read so far. It may be called again after more is read:
   * symbolizing works on copies of the frames and stacks (the symbols found are kept,
   * for the next build); the columns are shared, cut to their length.
   */
  build(path: string, header: ProfileParts['header'], info: Omit<LoadInfo, 'path' | 'unmatchedFrees'>): ProfileParts {
    const frames = this.frameList.slice();
    const stacks = this.stacks.slice();
    resolveNativeFrames(frames, stacks, this.symbols, this.modules, info.warnings);
    const series = new Map<string, Series>();
    for (const [id, s] of this.samples)
      series.set(this.text(id), { time: Float64Array.from(s.time), value: Float64Array.from(s.value) });
    const marks: Mark[] = this.markList.map((m) => ({ time: m.time, label: this.text(m.label) }));
    return {
      header,
      strings: this.strings.slice(),
      frames,
      stacks,
      columns: this.columns.finish(),
      threads: this.threads.map((t) => ({ ...t })),
      processes: this.processes.slice(),
      modules: this.modules.slice(),
      series,
      marks,
      runtimeNs: this.maxTime,
      info: { path, unmatchedFrees: this.unmatchedFrees, ...info },
    };
  }

  private threadOf(tid: number): number {
    let index = this.threadIndex.get(tid);
    if (index === undefined) {
      index = this.threads.length;
      if (index > 0xffff) this.corrupt('more than 65536 threads');
      this.threadIndex.set(tid, index);
      this.threads.push({ tid, name: '' });
    }
    return index;
  }

  private text(id: number): string {
    const index = this.stringIds.indexOf(id);
    if (index < 0) this.corrupt(`a record refers to string ${id}, never defined`);
    return this.strings[index];
  }

  private corrupt(what: string): never {
    throw new LhpError(`${this.path} is corrupt: ${what}`);
  }
}
