import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { ByteWriter } from './byte-writer';
import { FORMAT_MAJOR, FORMAT_MINOR, LhpHeader, MAGIC } from './constants';
import { describeFsError, LhpError } from './errors';
import { Field, RECORD, RECORDS, RecordType } from './schema';
import { zstdStoredFrame } from './zstd-stored';

export interface FrameInfo {
  function: string;
  file?: string;
  line?: number;
  module?: string;
  address?: number;
}

/** A record's field values by field name: numbers, texts for `str` and `bytes` fields, item lists for `list` fields. */
type FieldValues = { readonly [field: string]: number | string | readonly FieldValues[] | undefined };

/** The record types that name strings; the others skip the interning pass. */
const NAMING_STRINGS: ReadonlySet<RecordType> = new Set(RECORDS.filter((r) => namesStrings(r.fields)));

function namesStrings(fields: readonly Field[]): boolean {
  return fields.some((f) => f.kind === 'str' || (f.each !== undefined && namesStrings(f.each)));
}

export interface WriterOptions {
  /** Compress the finished file with zstd (the reader detects it). Needs the `zstd` command. */
  compress?: boolean;
  /** Bytes buffered before a write to the file. */
  bufferSize?: number;
}

/**
 * Writes an .lhp event stream, append-only. Strings, frames and stacks are interned:
 * each is written once, the first time it is used. Times are nanoseconds since the
 * header's start and are written as deltas from the previous record's time.
 */
export class LhpWriter {
  private readonly out = new ByteWriter(1 << 20);
  private readonly payload = new ByteWriter(256);
  private readonly strings = new Map<string, number>();
  private readonly frames = new Map<string, number>();
  private readonly stacks = new Map<string, number>();
  /** Time of the last timed record written. */
  private lastTime = 0;
  private closed = false;
  /** The id of the first string this writer defines (past those of an appended-to file). */
  private firstStringId = 1;
  /** Appending to a compressed stream: each flush is written as a stored zstd frame. */
  private storedFrames = false;
  /** Bytes in the file: every one of them belongs to a complete record (or the header). */
  private written = 0;

  private constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly options: WriterOptions,
  ) {
    this.strings.set('', 0);
  }

  static create(
    path: string,
    header: Partial<LhpHeader> & { recorder: string },
    options: WriterOptions = {},
  ): LhpWriter {
    let fd: number;
    try {
      // O_APPEND: after a failed flush is cut off (see flush), the next one lands at the new end.
      const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
      fd = fs.openSync(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o666);
    } catch (err) {
      throw new LhpError(`cannot write ${path}: ${describeFsError(err)}`);
    }
    const writer = new LhpWriter(path, fd, options);
    writer.writeHeader(header);
    return writer;
  }

  /**
   * Opens a complete stream to append records after its end (the symbols `record`
   * adds after the run). New strings are numbered from `nextStringId`, past every
   * string the file defines. To a compressed stream the records go as a zstd frame
   * of their own, stored uncompressed.
   */
  static appendTo(path: string, nextStringId: number, options: { compressed: boolean }): LhpWriter {
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND);
    } catch (err) {
      throw new LhpError(`cannot write ${path}: ${describeFsError(err)}`);
    }
    const writer = new LhpWriter(path, fd, {});
    writer.written = fs.fstatSync(fd).size;
    writer.storedFrames = options.compressed;
    writer.firstStringId = nextStringId;
    return writer;
  }

  private writeHeader(header: Partial<LhpHeader> & { recorder: string }): void {
    const full: LhpHeader = {
      clock: 'monotonic-ns',
      startNs: process.hrtime.bigint().toString(),
      startWallTime: new Date().toISOString(),
      command: [],
      pid: process.pid,
      host: { hostname: os.hostname(), platform: os.platform(), arch: os.arch(), cpus: os.cpus().length },
      ...header,
    };
    const json = Buffer.from(JSON.stringify(full), 'utf8');
    const fixed = Buffer.alloc(MAGIC.length + 8);
    fixed.set(MAGIC, 0);
    fixed.writeUInt16LE(FORMAT_MAJOR, MAGIC.length);
    fixed.writeUInt16LE(FORMAT_MINOR, MAGIC.length + 2);
    fixed.writeUInt32LE(json.length, MAGIC.length + 4);
    this.out.bytes(fixed);
    this.out.bytes(json);
  }

  /** Interns a string, writing it the first time; returns its id (0 is the empty string). */
  string(text: string): number {
    let id = this.strings.get(text);
    if (id === undefined) {
      id = this.firstStringId + this.strings.size - 1;
      this.strings.set(text, id);
      this.emit(RECORD.string, { id, text });
    }
    return id;
  }

  /** Interns a frame; returns its id. */
  frame(frame: FrameInfo): number {
    const key = `${frame.address ?? 0}\0${frame.function}\0${frame.file ?? ''}\0${frame.line ?? 0}\0${frame.module ?? ''}`;
    let id = this.frames.get(key);
    if (id === undefined) {
      id = this.frames.size;
      this.emit(RECORD.frame, {
        id,
        address: frame.address ?? 0,
        function: frame.function,
        file: frame.file ?? '',
        line: frame.line ?? 0,
        module: frame.module ?? '',
      });
      this.frames.set(key, id); // only once written: a bad field throws before the frame exists
    }
    return id;
  }

  /** Interns a stack of frame ids, innermost first; returns its id. */
  stack(frameIds: readonly number[]): number {
    const key = frameIds.join(',');
    let id = this.stacks.get(key);
    if (id === undefined) {
      id = this.stacks.size;
      this.emit(RECORD.stack, { id, frames: frameIds.map((frame) => ({ frame })) });
      this.stacks.set(key, id); // only once written: a bad frame id throws before the stack exists
    }
    return id;
  }

  /**
   * What native frame `frame` resolved to after the run: its module and source
   * frames, innermost first (more than one where calls were inlined).
   */
  symbol(frame: number, module: string, sources: readonly { function: string; file: string; line: number }[]): void {
    // The sources' strings are defined before the module's, as leakhound always wrote them.
    for (const s of sources) {
      this.string(s.function);
      this.string(s.file);
    }
    this.emit(RECORD.symbol, { frame, module, sources });
  }

  /** An allocation. `weight` is the bytes a sampled allocation stands for; omitted, it equals `size`. */
  alloc(timeNs: number, address: number, size: number, stack: number, thread: number, weight?: number): void {
    this.emit(RECORD.alloc, { time: timeNs, address, size, stack, thread, weight });
  }

  free(timeNs: number, address: number): void {
    this.emit(RECORD.free, { time: timeNs, address });
  }

  /** A realloc: frees `oldAddress` (0: none) and allocates `newAddress`, linked as one chain. */
  realloc(timeNs: number, oldAddress: number, newAddress: number, size: number, stack: number, thread: number): void {
    this.emit(RECORD.realloc, { time: timeNs, oldAddress, newAddress, size, stack, thread });
  }

  /** A point of a time series ("rss", "heap.used", "gc.major", …): a non-negative integer. */
  sample(timeNs: number, series: string, value: number): void {
    this.emit(RECORD.sample, { time: timeNs, series, value: Math.max(0, Math.round(value)) });
  }

  /** A user or signal marker ("SIGUSR2 dump", "phase: warm-up done"). */
  mark(timeNs: number, label: string): void {
    this.emit(RECORD.mark, { time: timeNs, label });
  }

  thread(tid: number, name: string): void {
    this.emit(RECORD.thread, { tid, name });
  }

  process(pid: number, ppid: number, command: string): void {
    this.emit(RECORD.process, { pid, ppid, command });
  }

  module(start: number, end: number, path: string): void {
    this.emit(RECORD.module, { start, end, path });
  }

  /** Clean shutdown. Its absence tells the reader the recorder was killed or is still running. */
  finish(timeNs: number): void {
    this.emit(RECORD.end, { time: timeNs });
  }

  /** Writes buffered records to the file. */
  flush(): void {
    if (this.out.length === 0) return;
    const data = this.storedFrames ? zstdStoredFrame(this.out.view()) : this.out.view();
    let done = 0;
    try {
      while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done);
    } catch (err) {
      // A full disk may have taken part of the buffer: cut it off, so that the file still
      // ends after a complete record, and keep the records for a later flush.
      try {
        fs.ftruncateSync(this.fd, this.written);
      } catch {
        // not a regular file: nothing to cut
      }
      throw new LhpError(`cannot write ${this.path}: ${describeFsError(err)}`);
    }
    this.written += data.length;
    this.out.reset();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
    if (this.options.compress) compressInPlace(this.path);
  }

  /**
   * Appends a record, its fields encoded as the schema says. The strings it names are
   * written first, before its payload is built in the one payload buffer; its time
   * becomes the base of the next difference only once the record is complete.
   */
  private emit(record: RecordType, values: FieldValues): void {
    if (NAMING_STRINGS.has(record)) this.internStrings(record.fields, values);
    this.payload.reset();
    const time = this.encode(record.fields, values, this.lastTime);
    this.lastTime = time;
    this.out.byte(record.tag);
    this.out.varint(this.payload.length);
    this.out.bytes(this.payload.view());
    if (this.out.length >= (this.options.bufferSize ?? 1 << 20)) this.flush();
  }

  private internStrings(fields: readonly Field[], values: FieldValues): void {
    for (const field of fields) {
      const value = values[field.name];
      if (field.kind === 'str') this.string(value as string);
      else if (field.kind === 'list')
        for (const item of value as readonly FieldValues[]) this.internStrings(field.each!, item);
    }
  }

  /** Encodes fields into the payload; returns the record's time (`time` when it has none). */
  private encode(fields: readonly Field[], values: FieldValues, time: number): number {
    const p = this.payload;
    for (const field of fields) {
      const value = values[field.name];
      switch (field.kind) {
        case 'varint':
          if (field.orElse === undefined || (value !== undefined && value !== values[field.orElse]))
            p.varint(value as number);
          break;
        case 'str':
          p.varint(this.strings.get(value as string)!);
          break;
        case 'time': {
          // Whole nanoseconds: a fractional difference would lose its low bit in the
          // varint, and the zigzag decoding would read it back with the wrong sign.
          const t = Math.round(value as number);
          p.svarint(t - this.lastTime);
          time = t;
          break;
        }
        case 'bytes':
          p.bytes(Buffer.from(value as string, 'utf8'));
          break;
        case 'list':
          p.varint((value as readonly FieldValues[]).length);
          for (const item of value as readonly FieldValues[]) this.encode(field.each!, item, time);
          break;
      }
    }
    return time;
  }
}

/** Replaces `path` by its zstd-compressed form, through the system's `zstd` command. */
function compressInPlace(path: string): void {
  const tmp = `${path}.zst-tmp`;
  const result = spawnSync('zstd', ['-q', '-f', '-3', path, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error || result.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const why = result.error
      ? 'the zstd command is not installed (apt-get install zstd)'
      : result.stderr.toString().trim();
    throw new LhpError(`cannot compress ${path}: ${why}; the uncompressed profile is kept`);
  }
  fs.renameSync(tmp, path);
}
