import { FORMAT_MAJOR, FORMAT_MINOR, LhpHeader, MAGIC, Tag } from './constants';
import { ChunkSource, openChunkSource } from './chunk-source';
import { LhpError } from './errors';

/** Receives the records of a stream in file order. Times are nanoseconds since the header's start. */
export interface LhpVisitor {
  string(id: number, text: string): void;
  frame(id: number, address: number, fn: number, file: number, line: number, module: number): void;
  /** `frames` is only valid during the call. */
  stack(id: number, frames: Uint32Array): void;
  alloc(time: number, address: number, size: number, stack: number, thread: number, weight: number): void;
  free(time: number, address: number): void;
  realloc(time: number, oldAddress: number, newAddress: number, size: number, stack: number, thread: number): void;
  sample(time: number, series: number, value: number): void;
  mark(time: number, label: number): void;
  thread(tid: number, name: number): void;
  process(pid: number, ppid: number, command: number): void;
  module(start: number, end: number, path: number): void;
  end(time: number): void;
}

export interface ReadResult {
  header: LhpHeader;
  version: { major: number; minor: number };
  compressed: boolean;
  records: number;
  /** The stream stops inside a record (the recorder was killed mid-write). */
  truncated: boolean;
  /** Byte offset (in the uncompressed stream) after the last complete record. */
  completeBytes: number;
  /** An end record was read: the recorder shut down cleanly. */
  clean: boolean;
}

export interface ReadOptions {
  /** Called now and then with the fraction of the file read. */
  onProgress?: (fraction: number) => void;
}

/** Reads an .lhp file (plain or zstd) record by record into `visitor`. Throws LhpError on bad input. */
export function readLhp(path: string, visitor: LhpVisitor, options: ReadOptions = {}): ReadResult {
  const source = openChunkSource(path);
  try {
    return new StreamParser(path, source, visitor, options).run();
  } finally {
    source.close();
  }
}

const HEADER_FIXED = MAGIC.length + 8;

class StreamParser {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Uncompressed offset of buf[0]. */
  private base = 0;
  private time = 0;
  private records = 0;
  private clean = false;
  private readonly frameScratch = new Uint32Array(1024);
  private fileMinor = 0;

  constructor(
    private readonly path: string,
    private readonly source: ChunkSource,
    private readonly visitor: LhpVisitor,
    private readonly options: ReadOptions,
  ) {}

  run(): ReadResult {
    if (this.source.fileSize === 0) throw new LhpError(`${this.path} is empty: no profile was recorded`);
    const { header, major, minor } = this.readHeader();
    this.fileMinor = minor;
    let more = true;
    let nextProgress = 0;
    while (more) {
      more = this.fill();
      this.parseRecords();
      if (this.options.onProgress && this.source.consumed >= nextProgress) {
        this.options.onProgress(this.source.consumed / this.source.fileSize);
        nextProgress = this.source.consumed + (16 << 20);
      }
    }
    this.options.onProgress?.(1);
    const leftover = this.buf.length - this.pos;
    return {
      header,
      version: { major, minor },
      compressed: this.source.compressed,
      records: this.records,
      truncated: leftover > 0 || this.source.cutShort,
      completeBytes: this.base + this.pos,
      clean: this.clean,
    };
  }

  /** Appends the next chunk to the unparsed bytes; false at the end of the file. */
  private fill(): boolean {
    const chunk = this.source.next();
    if (chunk === null) return false;
    const rest = this.buf.length - this.pos;
    if (rest === 0) {
      this.base += this.buf.length;
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.buf.subarray(this.pos), 0);
      joined.set(chunk, rest);
      this.base += this.pos;
      this.buf = joined;
    }
    this.pos = 0;
    return true;
  }

  private readHeader(): { header: LhpHeader; major: number; minor: number } {
    while (this.buf.length < HEADER_FIXED && this.fill());
    const notLhp = `${this.path} is not a leakhound profile (.lhp): wrong magic bytes`;
    if (this.buf.length < MAGIC.length) throw new LhpError(notLhp);
    for (let i = 0; i < MAGIC.length; i++) if (this.buf[i] !== MAGIC[i]) throw new LhpError(notLhp);
    if (this.buf.length < HEADER_FIXED) throw new LhpError(`${this.path} is truncated inside its header: nothing was recorded`);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const major = view.getUint16(MAGIC.length, true);
    const minor = view.getUint16(MAGIC.length + 2, true);
    if (major > FORMAT_MAJOR) {
      throw new LhpError(
        `${this.path} uses format ${major}.${minor}, newer than this leakhound reads (${FORMAT_MAJOR}.${FORMAT_MINOR}): upgrade leakhound`,
      );
    }
    const jsonLength = view.getUint32(MAGIC.length + 4, true);
    while (this.buf.length < HEADER_FIXED + jsonLength && this.fill());
    if (this.buf.length < HEADER_FIXED + jsonLength) {
      throw new LhpError(`${this.path} is truncated inside its header: nothing was recorded`);
    }
    let header: LhpHeader;
    try {
      header = JSON.parse(Buffer.from(this.buf.subarray(HEADER_FIXED, HEADER_FIXED + jsonLength)).toString('utf8'));
    } catch {
      throw new LhpError(`${this.path} is corrupt: its header is not valid JSON`);
    }
    if (typeof header !== 'object' || header === null || typeof header.recorder !== 'string') {
      throw new LhpError(`${this.path} is corrupt: its header lacks the recorder field`);
    }
    this.pos = HEADER_FIXED + jsonLength;
    return { header, major, minor };
  }

  private corrupt(what: string, at: number): never {
    throw new LhpError(`${this.path} is corrupt at byte ${this.base + at}: ${what}`);
  }

  /** Parses every complete record in the buffer; leaves `pos` at the first incomplete one. */
  private parseRecords(): void {
    const buf = this.buf;
    const v = this.visitor;
    const len = buf.length;
    for (;;) {
      const start = this.pos;
      if (start >= len) return;
      const tag = buf[start];
      // Payload length: an unsigned varint after the tag.
      let p = start + 1;
      let size = 0;
      let shift = 1;
      let b = 0x80;
      while (b & 0x80) {
        if (p >= len) return; // length cut by the chunk (or the file) end
        b = buf[p++];
        size += (b & 0x7f) * shift;
        shift *= 128;
        if (shift > 2 ** 35) this.corrupt('record length overflows', start);
      }
      const end = p + size;
      if (end > len) return;
      this.pos = p;
      switch (tag) {
        case Tag.Alloc: {
          const time = this.readTime();
          const address = this.varint();
          const bytes = this.varint();
          const stack = this.varint();
          const thread = this.varint();
          const weight = this.pos < end ? this.varint() : bytes;
          v.alloc(time, address, bytes, stack, thread, weight);
          break;
        }
        case Tag.Free: {
          const time = this.readTime();
          v.free(time, this.varint());
          break;
        }
        case Tag.Realloc: {
          const time = this.readTime();
          const oldAddress = this.varint();
          const newAddress = this.varint();
          const bytes = this.varint();
          const stack = this.varint();
          v.realloc(time, oldAddress, newAddress, bytes, stack, this.varint());
          break;
        }
        case Tag.String: {
          const id = this.varint();
          if (this.pos > end) this.corrupt('string record overruns its length', start);
          v.string(id, Buffer.from(buf.buffer, buf.byteOffset + this.pos, end - this.pos).toString('utf8'));
          this.pos = end;
          break;
        }
        case Tag.Frame: {
          const id = this.varint();
          const address = this.varint();
          const fn = this.varint();
          const file = this.varint();
          const line = this.varint();
          v.frame(id, address, fn, file, line, this.varint());
          break;
        }
        case Tag.Stack: {
          const id = this.varint();
          const count = this.varint();
          if (count > end - this.pos) this.corrupt('stack record overruns its length', start);
          const frames = count <= this.frameScratch.length ? this.frameScratch.subarray(0, count) : new Uint32Array(count);
          for (let i = 0; i < count; i++) frames[i] = this.varint();
          v.stack(id, frames);
          break;
        }
        case Tag.Sample: {
          const time = this.readTime();
          const series = this.varint();
          v.sample(time, series, this.varint());
          break;
        }
        case Tag.Mark: {
          const time = this.readTime();
          v.mark(time, this.varint());
          break;
        }
        case Tag.Thread: {
          const tid = this.varint();
          v.thread(tid, this.varint());
          break;
        }
        case Tag.Process: {
          const pid = this.varint();
          const ppid = this.varint();
          v.process(pid, ppid, this.varint());
          break;
        }
        case Tag.Module: {
          const from = this.varint();
          const to = this.varint();
          v.module(from, to, this.varint());
          break;
        }
        case Tag.End:
          v.end(this.readTime());
          this.clean = true;
          break;
        default:
          // A newer minor version may add record types: skip them. In a file of our own
          // version an unknown tag can only be damage.
          if (this.fileMinor <= FORMAT_MINOR) this.corrupt(`unknown record type 0x${tag.toString(16)}`, start);
          this.pos = end;
      }
      if (this.pos > end) this.corrupt(`record 0x${tag.toString(16)} overruns its length`, start);
      this.pos = end;
      this.records++;
    }
  }

  private readTime(): number {
    const z = this.varint();
    // zigzag: even = non-negative delta, odd = negative
    this.time += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    return this.time;
  }

  private varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let shift = 128;
    do {
      b = buf[this.pos++];
      value += (b & 0x7f) * shift;
      shift *= 128;
    } while (b & 0x80 && shift < 2 ** 63);
    return value;
  }
}
