import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { ByteWriter } from './byte-writer';
import { FORMAT_MAJOR, FORMAT_MINOR, LhpHeader, MAGIC, Tag } from './constants';
import { describeFsError, LhpError } from './errors';
import { zstdStoredFrame } from './zstd-stored';

export interface FrameInfo {
  function: string;
  file?: string;
  line?: number;
  module?: string;
  address?: number;
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
  /** Time of the last record written, and of the record being built. */
  private lastTime = 0;
  private recordTime = 0;
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

  static create(path: string, header: Partial<LhpHeader> & { recorder: string }, options: WriterOptions = {}): LhpWriter {
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
    MAGIC.copy(fixed, 0);
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
      const p = this.begin();
      p.varint(id);
      p.bytes(Buffer.from(text, 'utf8'));
      this.end(Tag.String);
    }
    return id;
  }

  /** Interns a frame; returns its id. */
  frame(frame: FrameInfo): number {
    const key = `${frame.address ?? 0}\0${frame.function}\0${frame.file ?? ''}\0${frame.line ?? 0}\0${frame.module ?? ''}`;
    let id = this.frames.get(key);
    if (id === undefined) {
      const fn = this.string(frame.function);
      const file = this.string(frame.file ?? '');
      const module = this.string(frame.module ?? '');
      id = this.frames.size;
      const p = this.begin();
      p.varint(id);
      p.varint(frame.address ?? 0);
      p.varint(fn);
      p.varint(file);
      p.varint(frame.line ?? 0);
      p.varint(module);
      this.end(Tag.Frame);
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
      const p = this.begin();
      p.varint(id);
      p.varint(frameIds.length);
      for (const f of frameIds) p.varint(f);
      this.end(Tag.Stack);
      this.stacks.set(key, id); // only once written: a bad frame id throws before the stack exists
    }
    return id;
  }

  /**
   * What native frame `frame` resolved to after the run: its module and source
   * frames, innermost first (more than one where calls were inlined).
   */
  symbol(frame: number, module: string, sources: readonly { function: string; file: string; line: number }[]): void {
    const ids = sources.map((s) => [this.string(s.function), this.string(s.file), s.line]);
    const moduleId = this.string(module);
    const p = this.begin();
    p.varint(frame);
    p.varint(moduleId);
    p.varint(ids.length);
    for (const triple of ids) for (const n of triple) p.varint(n);
    this.end(Tag.Symbol);
  }

  /** An allocation. `weight` is the bytes a sampled allocation stands for; omitted, it equals `size`. */
  alloc(timeNs: number, address: number, size: number, stack: number, thread: number, weight?: number): void {
    const p = this.begin();
    this.time(p, timeNs);
    p.varint(address);
    p.varint(size);
    p.varint(stack);
    p.varint(thread);
    if (weight !== undefined && weight !== size) p.varint(weight);
    this.end(Tag.Alloc);
  }

  free(timeNs: number, address: number): void {
    const p = this.begin();
    this.time(p, timeNs);
    p.varint(address);
    this.end(Tag.Free);
  }

  /** A realloc: frees `oldAddress` (0: none) and allocates `newAddress`, linked as one chain. */
  realloc(timeNs: number, oldAddress: number, newAddress: number, size: number, stack: number, thread: number): void {
    const p = this.begin();
    this.time(p, timeNs);
    p.varint(oldAddress);
    p.varint(newAddress);
    p.varint(size);
    p.varint(stack);
    p.varint(thread);
    this.end(Tag.Realloc);
  }

  /** A point of a time series ("rss", "heap.used", "gc.major", …): a non-negative integer. */
  sample(timeNs: number, series: string, value: number): void {
    const name = this.string(series);
    const p = this.begin();
    this.time(p, timeNs);
    p.varint(name);
    p.varint(Math.max(0, Math.round(value)));
    this.end(Tag.Sample);
  }

  /** A user or signal marker ("SIGUSR2 dump", "phase: warm-up done"). */
  mark(timeNs: number, label: string): void {
    const name = this.string(label);
    const p = this.begin();
    this.time(p, timeNs);
    p.varint(name);
    this.end(Tag.Mark);
  }

  thread(tid: number, name: string): void {
    const nameId = this.string(name);
    const p = this.begin();
    p.varint(tid);
    p.varint(nameId);
    this.end(Tag.Thread);
  }

  process(pid: number, ppid: number, command: string): void {
    const cmd = this.string(command);
    const p = this.begin();
    p.varint(pid);
    p.varint(ppid);
    p.varint(cmd);
    this.end(Tag.Process);
  }

  module(start: number, end: number, path: string): void {
    const name = this.string(path);
    const p = this.begin();
    p.varint(start);
    p.varint(end);
    p.varint(name);
    this.end(Tag.Module);
  }

  /** Clean shutdown. Its absence tells the reader the recorder was killed or is still running. */
  finish(timeNs: number): void {
    const p = this.begin();
    this.time(p, timeNs);
    this.end(Tag.End);
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

  private begin(): ByteWriter {
    this.payload.reset();
    this.recordTime = this.lastTime;
    return this.payload;
  }

  /** Appends the record built since begin(); only now does its time become the base of the next delta. */
  private end(tag: Tag): void {
    this.lastTime = this.recordTime;
    this.out.byte(tag);
    this.out.varint(this.payload.length);
    this.out.bytes(this.payload.view());
    if (this.out.length >= (this.options.bufferSize ?? 1 << 20)) this.flush();
  }

  /**
   * Times are whole nanoseconds: a fractional delta would lose its low bit in the varint,
   * and the zigzag decoding would read it back with the wrong sign.
   */
  private time(p: ByteWriter, timeNs: number): void {
    const t = Math.round(timeNs);
    p.svarint(t - this.lastTime);
    this.recordTime = t;
  }
}

/** Replaces `path` by its zstd-compressed form, through the system's `zstd` command. */
function compressInPlace(path: string): void {
  const tmp = `${path}.zst-tmp`;
  const result = spawnSync('zstd', ['-q', '-f', '-3', path, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.error || result.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const why = result.error ? 'the zstd command is not installed (apt-get install zstd)' : result.stderr.toString().trim();
    throw new LhpError(`cannot compress ${path}: ${why}; the uncompressed profile is kept`);
  }
  fs.renameSync(tmp, path);
}
