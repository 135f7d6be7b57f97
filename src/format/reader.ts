import { FORMAT_MAJOR, FORMAT_MINOR, LhpHeader, MAGIC, MAX_HEADER_JSON, MAX_RECORD_PAYLOAD, Tag } from './constants';
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
  /** `sources` holds (function, file, line) triples, innermost first; only valid during the call. */
  symbol(frame: number, module: number, sources: Float64Array): void;
}

export interface ReadResult {
  header: LhpHeader;
  version: { major: number; minor: number };
  compressed: boolean;
  records: number;
  /** Alloc and realloc records, when read with `definitionsOnly`. */
  skippedAllocations: number;
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
  /**
   * Skip the event records (alloc, free, realloc, sample, mark) without decoding
   * them: the visitor gets only definitions, threads, processes, modules, symbols and
   * end (whose time is then meaningless). Alloc and realloc records are still counted.
   */
  definitionsOnly?: boolean;
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
/** A varint of a 64-bit value takes at most 10 bytes; a longer one is damage. */
const MAX_VARINT_BYTES = 10;
/** A local copy: the hot loop reads it without a module property lookup. */
const MAX_PAYLOAD = MAX_RECORD_PAYLOAD;

const RECORD_NAMES: Record<number, string> = {
  [Tag.String]: 'string',
  [Tag.Frame]: 'frame',
  [Tag.Stack]: 'stack',
  [Tag.Alloc]: 'alloc',
  [Tag.Free]: 'free',
  [Tag.Realloc]: 'realloc',
  [Tag.Sample]: 'sample',
  [Tag.Mark]: 'mark',
  [Tag.Thread]: 'thread',
  [Tag.Process]: 'process',
  [Tag.Module]: 'module',
  [Tag.End]: 'end',
  [Tag.Symbol]: 'symbol',
};

class StreamParser {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Uncompressed offset of buf[0]. */
  private base = 0;
  private time = 0;
  private records = 0;
  private clean = false;
  private skippedAllocations = 0;
  private readonly skipEvents: boolean;
  private readonly frameScratch = new Uint32Array(1024);
  private fileMinor = 0;
  /** The record being parsed: its start in `buf` and the end of its payload, for error messages. */
  private recordStart = 0;
  private limit = 0;
  /** Uncompressed offset where the zero bytes that end the file begin, or -1. */
  private zeroTail = -1;

  constructor(
    private readonly path: string,
    private readonly source: ChunkSource,
    private readonly visitor: LhpVisitor,
    private readonly options: ReadOptions,
  ) {
    this.skipEvents = options.definitionsOnly === true;
  }

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
      skippedAllocations: this.skippedAllocations,
      truncated: leftover > 0 || this.source.cutShort || this.zeroTail >= 0,
      completeBytes: this.zeroTail >= 0 ? this.zeroTail : this.base + this.pos,
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
    const have = this.buf.length;
    const cut = `${this.path} is truncated inside its header: nothing was recorded`;
    // A compressed file can decompress to nothing: empty, or cut before its first block ended.
    if (have === 0 && this.source.cutShort) {
      throw new LhpError(
        `${this.path} is cut short inside its first zstd block: nothing can be read (zstd decodes a block, up to 128 KiB of the stream, whole)`,
      );
    }
    if (have === 0) throw new LhpError(`${this.path} is empty: no profile was recorded`);
    for (let i = 0; i < Math.min(have, MAGIC.length); i++) {
      if (this.buf[i] !== MAGIC[i]) throw new LhpError(`${this.path} is not a leakhound profile (.lhp): wrong magic bytes`);
    }
    if (have < HEADER_FIXED) throw new LhpError(cut);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const major = view.getUint16(MAGIC.length, true);
    const minor = view.getUint16(MAGIC.length + 2, true);
    if (major > FORMAT_MAJOR) {
      throw new LhpError(
        `${this.path} uses format ${major}.${minor}, newer than this leakhound reads (${FORMAT_MAJOR}.${FORMAT_MINOR}): upgrade leakhound`,
      );
    }
    if (major === 0) throw new LhpError(`${this.path} is corrupt: its header says format version 0.${minor}, which does not exist`);
    const jsonLength = view.getUint32(MAGIC.length + 4, true);
    if (jsonLength > MAX_HEADER_JSON) {
      throw new LhpError(`${this.path} is corrupt: its header claims ${jsonLength} bytes of JSON (the limit is ${MAX_HEADER_JSON})`);
    }
    while (this.buf.length < HEADER_FIXED + jsonLength && this.fill());
    if (this.buf.length < HEADER_FIXED + jsonLength) throw new LhpError(cut);
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

  /** Throws the one-line error for damage at an offset of the (uncompressed) stream. */
  private corrupt(what: string, offset = this.base + this.recordStart): never {
    throw new LhpError(`${this.path} is corrupt at byte ${offset}: ${what}`);
  }

  /** Parses every complete record in the buffer; leaves `pos` at the first incomplete one. */
  private parseRecords(): void {
    const buf = this.buf;
    const v = this.visitor;
    const len = buf.length;
    if (this.zeroTail >= 0) return this.skipZeros(this.pos);
    for (;;) {
      const start = this.pos;
      if (start >= len) return;
      const tag = buf[start];
      if (tag === 0) return this.skipZeros(start);
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
        if (size > MAX_PAYLOAD || shift > 2 ** 35) {
          this.recordStart = start;
          this.corrupt(`a record claims more than ${MAX_PAYLOAD} bytes`);
        }
      }
      const end = p + size;
      if (end > len) return;
      this.pos = p;
      this.recordStart = start;
      this.limit = end;
      if (this.skipEvents && tag >= Tag.Alloc && tag <= Tag.Mark) {
        if (tag === Tag.Alloc || tag === Tag.Realloc) this.skippedAllocations++;
        this.pos = end;
        this.records++;
        continue;
      }
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
          if (this.pos > end) this.overrun();
          v.string(id, Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, end - this.pos).toString('utf8'));
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
          // each frame id takes at least a byte: a bigger count is damage, not a reason to allocate
          if (count > end - this.pos) this.corrupt('stack record overruns its length');
          const frames = count <= this.frameScratch.length ? this.frameScratch.subarray(0, count) : new Uint32Array(count);
          for (let i = 0; i < count; i++) {
            const f = this.varint();
            if (f > 0xffffffff) this.corrupt(`stack ${id} refers to frame ${f}, beyond 2^32-1`);
            frames[i] = f;
          }
          v.stack(id, frames);
          break;
        }
        case Tag.Symbol: {
          const frame = this.varint();
          const module = this.varint();
          const count = this.varint();
          if (count * 3 > end - this.pos) this.corrupt('symbol record overruns its length');
          const sources = new Float64Array(count * 3); // string ids may pass 2^32
          for (let i = 0; i < sources.length; i++) sources[i] = this.varint();
          v.symbol(frame, module, sources);
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
          if (this.fileMinor <= FORMAT_MINOR) this.corrupt(`unknown record type 0x${tag.toString(16)}`);
      }
      if (this.pos > end) this.overrun();
      this.pos = end; // a newer minor version may append fields to a record: skip them
      this.records++;
    }
  }

  /**
   * Tag 0 is never written. Zeros up to the end of the file are the unwritten tail of a
   * preallocated or memory-mapped file whose recorder died: truncation, not damage.
   */
  private skipZeros(from: number): void {
    if (this.zeroTail < 0) this.zeroTail = this.base + from;
    const buf = this.buf;
    let p = from;
    while (p < buf.length && buf[p] === 0) p++;
    if (p < buf.length) this.corrupt('unknown record type 0x0', this.zeroTail);
    this.pos = p;
  }

  private readTime(): number {
    const z = this.varint();
    // zigzag: even = non-negative delta, odd = negative
    this.time += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    return this.time;
  }

  /** An unsigned LEB128 varint of the current record. */
  private varint(): number {
    // Fast path: one byte. Past the record's end it may read the next record's bytes; the
    // caller's check after the record catches that overrun.
    const b = this.buf[this.pos];
    if (b < 0x80) {
      this.pos++;
      return b;
    }
    return this.longVarint();
  }

  /**
   * Bytes past the end of the buffer read as undefined, which ends the number; the
   * check after each record turns any read past the record's end into an error.
   */
  private longVarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let value = b & 0x7f;
    let shift = 128;
    for (let n = 1; n < MAX_VARINT_BYTES; n++) {
      b = buf[pos++];
      value += (b & 0x7f) * shift;
      if (!(b >= 0x80)) {
        this.pos = pos;
        return value;
      }
      shift *= 128;
    }
    this.pos = pos;
    if (pos > this.limit) this.overrun();
    return this.corrupt(`a number is longer than ${MAX_VARINT_BYTES} bytes`);
  }

  private overrun(): never {
    const tag = this.buf[this.recordStart];
    return this.corrupt(`${RECORD_NAMES[tag] ?? `0x${tag.toString(16)}`} record overruns its length`);
  }
}
