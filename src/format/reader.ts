import { FORMAT_MAJOR, FORMAT_MINOR, LhpHeader, MAGIC, MAX_HEADER_JSON, MAX_RECORD_PAYLOAD } from './constants';
import { ChunkSource, openChunkSource } from './chunk-source';
import { ReadLimit, WHOLE_FILE } from './read-limit';
import { LhpError } from './errors';
import { CompactName, isCompact, RECORD_BY_TAG, RecordName } from './schema';

/**
 * Receives the records of a stream in file order: one method per record type, its
 * fields as arguments in schema order (schema.ts). Times are nanoseconds since the
 * header's start.
 */
/** A compact event's (size, stack) pair, and the bytes each of its allocations stands for. */
interface AllocationInfo {
  size: number;
  stack: number;
  weight: number;
}

export interface LhpVisitor {
  string(id: number, text: string): void;
  frame(id: number, address: number, fn: number, file: number, line: number, module: number): void;
  /** `frames` is only valid during the call. */
  stack(id: number, frames: Uint32Array): void;
  alloc(time: number, address: number, size: number, stack: number, thread: number, weight: number): void;
  free(time: number, address: number): void;
  /** `weight`: the bytes the new block stands for, when sampled (a compact realloc's info says it); else its size. */
  realloc(
    time: number,
    oldAddress: number,
    newAddress: number,
    size: number,
    stack: number,
    thread: number,
    weight?: number,
  ): void;
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
  const reader = new LhpFileReader(path, visitor, options);
  try {
    return reader.readTo(WHOLE_FILE);
  } finally {
    reader.close();
  }
}

/**
 * An .lhp file read in steps while a recorder appends to it: each `readTo` hands the
 * visitor the records that are complete within its limit, and keeps a record (or a
 * zstd block) cut by the limit for the next step. What `readLhp` gets in one read,
 * it gets in steps.
 */
export class LhpFileReader {
  private readonly source: ChunkSource;
  private readonly parser: StreamParser;

  constructor(path: string, visitor: LhpVisitor, options: ReadOptions = {}) {
    this.source = openChunkSource(path);
    this.parser = new StreamParser(path, this.source, visitor, options);
  }

  /** Reads on up to `limit`; what it says is of everything read so far. Throws LhpError on bad input. */
  readTo(limit: ReadLimit): ReadResult {
    this.source.limit = limit;
    return this.parser.run();
  }

  close(): void {
    this.source.close();
  }
}

const HEADER_FIXED = MAGIC.length + 8;
/** A varint of a 64-bit value takes at most 10 bytes; a longer one is damage. */
const MAX_VARINT_BYTES = 10;
/** A local copy: the hot loop reads it without a module property lookup. */
const MAX_PAYLOAD = MAX_RECORD_PAYLOAD;

/** The most number fields a record has (alloc has 6): what `callWith` passes. */
const MAX_NUMBERS = 6;

/** The compact records that stand for events, and refer to each other: every other record ends a repeat's reach. */
const COMPACT_EVENTS: readonly string[] = ['shortAlloc', 'shortFree', 'shortRealloc', 'repeat'];
/** A repeat copies one of the last REPEAT_PERIODS compact events (FORMAT.md), at most MAX_REPEAT of them. */
const REPEAT_PERIODS = 8;
const MAX_REPEAT = 2 ** 24;
/** The kinds of compact event a repeat copies, as `recent` keeps them. */
const SHORT_ALLOC = 0;
const SHORT_FREE = 1;
const SHORT_REALLOC = 2;

/** How the parser reads a record type, made from its schema. */
interface Layout {
  name: RecordName | CompactName;
  /** Per leading number field: whether it is a time. */
  times: readonly boolean[];
  /** The field a missing optional last varint equals, or -1 when there is none. */
  orElse: number;
  tail: 'none' | 'bytes' | 'list';
  /** Numbers per list item. */
  itemSize: number;
  /** An event record: skipped without decoding by `definitionsOnly`. */
  event: boolean;
}

const LAYOUTS: (Layout | undefined)[] = RECORD_BY_TAG.map((record) => {
  if (record === undefined) return undefined;
  const numbers = record.fields.filter((f) => f.kind === 'varint' || f.kind === 'str' || f.kind === 'time');
  const optional = numbers.at(-1)?.orElse;
  const last = record.fields.at(-1)!;
  if (numbers.length > MAX_NUMBERS)
    throw new Error(`the ${record.name} record has more than ${MAX_NUMBERS} number fields`);
  const timed = numbers.some((f) => f.kind === 'time');
  return {
    name: record.name,
    times: (optional === undefined ? numbers : numbers.slice(0, -1)).map((f) => f.kind === 'time'),
    orElse: optional === undefined ? -1 : numbers.findIndex((f) => f.name === optional),
    tail: last.kind === 'bytes' || last.kind === 'list' ? last.kind : 'none',
    itemSize: last.each?.length ?? 0,
    event: (timed && record.name !== 'end') || COMPACT_EVENTS.includes(record.name),
  };
});

/** The visitor's method for one record type: its parameters are the record's fields, in its layout's order. */
// biome-ignore lint/complexity/noBannedTypes: each record type's method has its own parameters; the layout says how many
type VisitorMethod = Function;

/** Calls a visitor's method with the first `n` of the numbers `f`, one argument per field. */
function callWith(method: VisitorMethod, visitor: LhpVisitor, f: Float64Array, n: number): void {
  switch (n) {
    case 1:
      return method.call(visitor, f[0]);
    case 2:
      return method.call(visitor, f[0], f[1]);
    case 3:
      return method.call(visitor, f[0], f[1], f[2]);
    case 4:
      return method.call(visitor, f[0], f[1], f[2], f[3]);
    case 5:
      return method.call(visitor, f[0], f[1], f[2], f[3], f[4]);
    default:
      return method.call(visitor, f[0], f[1], f[2], f[3], f[4], f[5]);
  }
}

/** The lists a visitor gets as a Uint32Array (frame ids are below 2^32); others come as a Float64Array. */
const U32_LISTS: ReadonlySet<RecordName | CompactName> = new Set(['stack']);

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
  private readonly listScratch = new Uint32Array(1024);
  /** Format 1.2's compact events: the current context and its thread and last address, the others' saved state, the (size, stack) pairs. */
  private context = -1;
  private thread = 0;
  private address = 0;
  private readonly contexts = new Map<number, { address: number; time: number }>();
  private readonly infos = new Map<number, AllocationInfo>();
  /** Format 1.3's repeats: the last compact events since the last other record, each its kind and numbers, and how many there were. */
  private readonly recent = new Float64Array(REPEAT_PERIODS * 4);
  private recentCount = 0;
  /** The number fields of the record being read. */
  private readonly numbers = new Float64Array(MAX_NUMBERS);
  /** The visitor's method for each record tag. */
  private readonly methods: (VisitorMethod | undefined)[];
  private fileMinor = 0;
  /** The header, once read. */
  private head: { header: LhpHeader; major: number; minor: number } | undefined;
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
    this.methods = LAYOUTS.map((layout) => (layout && !isCompact(layout.name) ? visitor[layout.name] : undefined));
  }

  /** Reads on to the source's limit (the header first, on the first run). */
  run(): ReadResult {
    if (!this.head) {
      if (this.source.fileSize === 0) throw new LhpError(`${this.path} is empty: no profile was recorded`);
      this.head = this.readHeader();
      this.fileMinor = this.head.minor;
    }
    const { header, major, minor } = this.head;
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
    // short of the file's end, a record cut by the limit is one still being written
    const cut = this.source.limit.final && leftover > 0;
    return {
      header,
      version: { major, minor },
      compressed: this.source.compressed,
      records: this.records,
      skippedAllocations: this.skippedAllocations,
      truncated: cut || this.source.cutShort || this.zeroTail >= 0,
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
    // short of the file's end, a header not whole yet is one still being written
    const notYet = `${this.path} has no whole header yet: its recorder has only just started`;
    if (have < HEADER_FIXED && !this.source.limit.final) throw new LhpError(notYet);
    // A compressed file can decompress to nothing: empty, or cut before its first block ended.
    if (have === 0 && this.source.cutShort) {
      throw new LhpError(
        `${this.path} is cut short inside its first zstd block: nothing can be read (zstd decodes a block, up to 128 KiB of the stream, whole)`,
      );
    }
    if (have === 0) throw new LhpError(`${this.path} is empty: no profile was recorded`);
    for (let i = 0; i < Math.min(have, MAGIC.length); i++) {
      if (this.buf[i] !== MAGIC[i])
        throw new LhpError(`${this.path} is not a leakhound profile (.lhp): wrong magic bytes`);
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
    if (major === 0)
      throw new LhpError(`${this.path} is corrupt: its header says format version 0.${minor}, which does not exist`);
    const jsonLength = view.getUint32(MAGIC.length + 4, true);
    if (jsonLength > MAX_HEADER_JSON) {
      throw new LhpError(
        `${this.path} is corrupt: its header claims ${jsonLength} bytes of JSON (the limit is ${MAX_HEADER_JSON})`,
      );
    }
    while (this.buf.length < HEADER_FIXED + jsonLength && this.fill());
    if (this.buf.length < HEADER_FIXED + jsonLength) throw new LhpError(this.source.limit.final ? cut : notYet);
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
      const layout = LAYOUTS[tag];
      if (layout === undefined || !COMPACT_EVENTS.includes(layout.name)) this.recentCount = 0;
      if (layout === undefined) {
        // A newer minor version may add record types: skip them. In a file of our own
        // version an unknown tag can only be damage.
        if (this.fileMinor <= FORMAT_MINOR) this.corrupt(`unknown record type 0x${tag.toString(16)}`);
      } else if (this.skipEvents && layout.event && !COMPACT_EVENTS.includes(layout.name)) {
        if (layout.name === 'alloc' || layout.name === 'realloc') this.skippedAllocations++;
        this.pos = end;
      } else if (isCompact(layout.name)) {
        this.compact(layout.name);
      } else {
        this.deliver(layout, this.methods[tag]!, end);
      }
      if (this.pos > end) this.overrun();
      this.pos = end; // a newer minor version may append fields to a record: skip them
      this.records++;
    }
  }

  /** Decodes the record at `pos`, whose payload ends at `end`, and hands it to the visitor. */
  private deliver(layout: Layout, method: VisitorMethod, end: number): void {
    const f = this.numbers;
    const times = layout.times;
    const n = times.length;
    for (let i = 0; i < n; i++) f[i] = times[i] ? this.readTime() : this.varint();
    if (layout.orElse >= 0) {
      f[n] = this.pos < end ? this.varint() : f[layout.orElse];
      callWith(method, this.visitor, f, n + 1);
    } else if (layout.tail === 'none') {
      callWith(method, this.visitor, f, n);
    } else {
      const tail = layout.tail === 'bytes' ? this.text(end) : this.list(layout, end);
      method.apply(this.visitor, [...f.subarray(0, n), tail]);
    }
    if (layout.name === 'end') this.clean = true;
  }

  /** A compact record (FORMAT.md, "Compact events"), handed on as the alloc or free it stands for. */
  private compact(name: CompactName): void {
    switch (name) {
      case 'context': {
        const id = this.varint();
        this.thread = this.varint();
        if (this.context >= 0) this.contexts.set(this.context, { address: this.address, time: this.time });
        const saved = this.contexts.get(id);
        this.context = id;
        this.address = saved ? saved.address : 0;
        if (saved) this.time = saved.time;
        return;
      }
      case 'info': {
        const id = this.varint();
        const size = this.varint();
        const stack = this.varint();
        // a sampled recording's (1.3): the bytes each allocation of it stands for
        const weight = this.pos < this.limit ? this.varint() : size;
        this.infos.set(id, { size, stack, weight });
        return;
      }
      case 'tick':
        this.readTime();
        return;
      case 'shortAlloc':
        return this.event(SHORT_ALLOC, this.varint(), this.varint(), 0);
      case 'shortFree':
        return this.event(SHORT_FREE, this.varint(), 0, 0);
      case 'shortRealloc':
        return this.event(SHORT_REALLOC, this.varint(), this.varint(), this.varint());
      case 'repeat': {
        const period = this.varint();
        const count = this.varint();
        if (period < 1 || period > REPEAT_PERIODS || period > this.recentCount)
          this.corrupt(
            `a repeat refers ${period} compact events back, past the ${Math.min(this.recentCount, REPEAT_PERIODS)} it can`,
          );
        if (count > MAX_REPEAT) this.corrupt(`a repeat of ${count} events, more than ${MAX_REPEAT}`);
        const r = this.recent;
        for (let i = 0; i < count; i++) {
          const k = ((this.recentCount - period) % REPEAT_PERIODS) * 4;
          this.event(r[k], r[k + 1], r[k + 2], r[k + 3]);
        }
      }
    }
  }

  /**
   * A compact event from its record's numbers: an alloc (delta, info), a free (delta)
   * or a realloc (oldDelta, newDelta, info), handed on as the event it stands for and
   * kept for the repeats after it. Only counted, when reading definitions only.
   */
  private event(kind: number, a: number, b: number, c: number): void {
    const k = (this.recentCount++ % REPEAT_PERIODS) * 4;
    this.recent[k] = kind;
    this.recent[k + 1] = a;
    this.recent[k + 2] = b;
    this.recent[k + 3] = c;
    if (this.skipEvents) {
      if (kind !== SHORT_FREE) this.skippedAllocations++;
    } else if (kind === SHORT_ALLOC) {
      const address = this.move(a);
      const info = this.info(b);
      this.visitor.alloc(this.time, address, info.size, info.stack, this.thread, info.weight);
    } else if (kind === SHORT_FREE) {
      this.visitor.free(this.time, this.move(a));
    } else {
      const old = this.move(a);
      const address = this.move(b);
      const info = this.info(c);
      this.visitor.realloc(this.time, old, address, info.size, info.stack, this.thread, info.weight);
    }
  }

  private info(id: number): AllocationInfo {
    const info = this.infos.get(id);
    if (info === undefined) this.corrupt(`an allocation refers to allocation info ${id}, never defined`);
    return info;
  }

  /** The thread's last address moved by a zigzag difference. */
  private move(z: number): number {
    this.address += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (!(this.address > 0 && this.address <= Number.MAX_SAFE_INTEGER))
      this.corrupt(`an address difference leads to ${this.address}, not an address`);
    return this.address;
  }

  /** The UTF-8 text filling the rest of the record. */
  private text(end: number): string {
    if (this.pos > end) this.overrun();
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, end - this.pos).toString('utf8');
  }

  /** A count, then that many items of `itemSize` numbers. Only valid until the next list. */
  private list(layout: Layout, end: number): Uint32Array | Float64Array {
    const count = this.varint();
    // each number takes at least a byte: a bigger count is damage, not a reason to allocate
    if (count * layout.itemSize > end - this.pos) this.corrupt(`${layout.name} record overruns its length`);
    const size = count * layout.itemSize;
    if (!U32_LISTS.has(layout.name)) {
      const items = new Float64Array(size); // string ids may pass 2^32
      for (let i = 0; i < size; i++) items[i] = this.varint();
      return items;
    }
    const items = size <= this.listScratch.length ? this.listScratch.subarray(0, size) : new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      const item = this.varint();
      if (item > 0xffffffff) this.corrupt(`${layout.name} ${this.numbers[0]} refers to frame ${item}, beyond 2^32-1`);
      items[i] = item;
    }
    return items;
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
    return this.corrupt(`${RECORD_BY_TAG[tag]?.name ?? `0x${tag.toString(16)}`} record overruns its length`);
  }
}
