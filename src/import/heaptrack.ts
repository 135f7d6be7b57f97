/**
 * heaptrack's data file (what `heaptrack <program>` writes: the preloaded library's
 * stream, symbolized by heaptrack_interpret, compressed with zstd or gzip) read as the
 * records of an .lhp stream. docs/IMPORT.md describes the format and the conversion.
 *
 * A text stream, a line each, fields in lowercase hex separated by one space:
 *
 *   v <heaptrack version> <file format version>     first line (1.4.0 writes `v 10400 3`)
 *   X <command line>                                 the program's arguments, joined by spaces
 *   I <page size> <physical pages>
 *   s <length> <text>                                string 1, 2, … (format 3: sized; before, the rest of the line)
 *   i <ip> <module> [<function> [<file> <line> [<function> <file> <line>]…]]
 *                                                    instruction pointer 1, 2, …: strings; the frame,
 *                                                    then the calls inlined at it, innermost first
 *   t <ip> <parent trace>                            trace node 1, 2, …: a frame and its caller's node (0: none)
 *   a <size> <trace>                                 allocation info 0, 1, …: each (size, trace) once
 *   + <allocation info>                              an allocation
 *   - <allocation info>                              a free of an allocation of that info
 *   c <milliseconds>                                 the clock, every 10 ms when the program lets it
 *   R <pages>                                        resident set size
 *   A                                                attached to a running process
 *   S <suppression>, # <comment>                     ignored; `# strings: N` ends a finished file
 */
import { LhpVisitor } from '../format/reader';
import { LhpError } from '../format/errors';
import { ImportedFrom, ImportOptions, ImportResult, importedHeader } from './result';
import { openTextSource } from './text-source';

/** The newest heaptrack file format this reader knows (heaptrack 1.4 writes 3). */
const NEWEST_FORMAT = 3;
const NS_PER_MS = 1e6;
/** heaptrack's timer writes a clock line this often (libheaptrack.cpp), when it can. */
const TIMER_MS = 10;
const NEWLINE = 0x0a;
/** The comment heaptrack_interpret writes last: a file that has it is finished. */
const STRINGS_COMMENT = Buffer.from('# strings:');
const SPACE = 0x20;

/** Strings of our own, before heaptrack's (whose string n becomes n + OWN_STRINGS.length). */
const OWN_STRINGS = ['rss', 'heaptrack attached'] as const;
const RSS = 1;
const ATTACHED = 2;
const STRING_BASE = OWN_STRINGS.length;

/**
 * Addresses stand for allocations (heaptrack records none): 16-byte aligned like a
 * pointer, as the loader's address table expects. NEVER_ALLOCATED is none of them.
 */
const address = (id: number): number => (id + 1) * 16;
const NEVER_ALLOCATED = 8;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX[0x61 + i] = 10 + i;

const IMPORTED: ImportedFrom = { format: 'heaptrack', lifetimes: true };

export function importHeaptrack(path: string, visitor: LhpVisitor, options: ImportOptions = {}): ImportResult {
  const source = openTextSource(path);
  const parser = new HeaptrackParser(path, visitor);
  let carry: Uint8Array | null = null;
  let nextProgress = 0;
  try {
    for (let chunk = source.next(); chunk !== null; chunk = source.next()) {
      const buf: Uint8Array = carry ? concat(carry, chunk) : chunk;
      const end = parser.lines(buf);
      carry = end < buf.length ? buf.slice(end) : null;
      if (options.onProgress && source.consumed >= nextProgress) {
        options.onProgress(source.consumed / Math.max(1, source.fileSize));
        nextProgress = source.consumed + (4 << 20);
      }
    }
  } finally {
    source.close();
  }
  options.onProgress?.(1);
  const truncated = carry !== null || source.cutShort;
  return parser.finish(truncated, source.compressed);
}

interface Interval {
  gapMs: number;
  /** Where its events end in the event buffer. */
  end: number;
  /** RSS samples (bytes) and attach marks (-1) at its closing clock line. */
  samples: number[];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

class HeaptrackParser {
  private lineNo = 0;
  /** The field being read: its position in the line. */
  private p = 0;
  private fileVersion = -1;
  private heaptrackVersion = '';
  private command: string[] = [];
  private pageSize = 4096;
  private finished = false;
  private attached = false;

  private strings = 0;
  /** Per instruction pointer (1-based; [0] unused): its first frame id and frame count. */
  private readonly ipFrame: number[] = [0];
  private readonly ipFrames: number[] = [0];
  private frames = 0;
  /** Per trace node (1-based): its instruction pointer and parent node. */
  private readonly traceIp: number[] = [0];
  private readonly traceParent: number[] = [0];
  /** Trace node → stack id, for the nodes allocation infos name. */
  private readonly traceStack = new Map<number, number>();
  private stacks = 0;
  /** Per allocation info (0-based): size and stack. */
  private readonly infoSize: number[] = [];
  private readonly infoStack: number[] = [];

  /**
   * Frees name an allocation info, not an allocation: each info keeps its live
   * allocations as a stack (`top[info]` the latest, `below[id]` the one under it), and
   * a free takes the latest, as a program that frees what it just allocated does.
   */
  private top = new Int32Array(1024).fill(-1);
  private below = new Int32Array(1 << 16);
  private allocations = 0;

  /** Events not yet given a time: info for an allocation, ~info for a free; [read, pending) of them. */
  private events = new Int32Array(1 << 16);
  private read = 0;
  private pending = 0;
  /** Clock intervals closed but not yet given a length (until the program's busiest rate is known). */
  private readonly intervals: Interval[] = [];
  /** The time given to the last interval emitted (pauses cut out), and heaptrack's last clock reading. */
  private clockNs = 0;
  private lastClockMs = 0;
  /** Events per millisecond in the busiest regular tick so far; milliseconds of pauses cut out. */
  private busiestRate = 0;
  private cutMs = 0;

  constructor(
    private readonly path: string,
    private readonly visitor: LhpVisitor,
  ) {
    for (const [i, text] of OWN_STRINGS.entries()) visitor.string(i + 1, text);
  }

  /** Reads the complete lines of `buf`; returns where the incomplete rest begins. */
  lines(buf: Uint8Array): number {
    const len = buf.length;
    const infoSize = this.infoSize;
    let start = 0;
    while (start < len) {
      const mode = buf[start];
      // the hot path: `+ <info>` and `- <info>`, most of the file, parsed in place
      if ((mode === 0x2b || mode === 0x2d) && this.fileVersion >= 0 && buf[start + 1] === SPACE) {
        let p = start + 2;
        let value = 0;
        let digit = 0;
        while (p < len && (digit = HEX[buf[p]]) >= 0) {
          value = value * 16 + digit;
          p++;
        }
        if (p === len) return start; // the line goes on in the next chunk
        if (buf[p] === NEWLINE && p > start + 2 && value < infoSize.length) {
          this.lineNo++;
          this.event(mode === 0x2b ? value : ~value);
          start = p + 1;
          continue;
        }
        // anything else gets the general path and its error messages
      }
      const nl = buf.indexOf(NEWLINE, start);
      if (nl < 0) return start;
      this.lineNo++;
      this.line(buf, start, nl);
      start = nl + 1;
    }
    return start;
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    const mode = buf[start];
    this.p = start + 2;
    if (this.fileVersion < 0 && mode !== 0x76 /* v */) this.corrupt("the first line is not heaptrack's version line");
    switch (mode) {
      case 0x2b /* + */:
        return this.event(this.info(buf, end));
      case 0x2d /* - */:
        return this.event(~this.info(buf, end));
      case 0x61 /* a */:
        return this.allocationInfo(buf, end);
      case 0x74 /* t */:
        return this.trace(buf, end);
      case 0x69 /* i */:
        return this.instruction(buf, end);
      case 0x73 /* s */:
        return this.string(buf, start, end);
      case 0x63 /* c */:
        return this.clock(this.hex(buf, end, 'a time'));
      case 0x52 /* R */:
        return this.atClock(this.hex(buf, end, 'a page count') * this.pageSize);
      case 0x76 /* v */:
        return this.version(buf, end);
      case 0x58 /* X */:
        this.command = text(buf, start + 2, end)
          .split(' ')
          .filter((arg) => arg !== '');
        return;
      case 0x49 /* I */:
        this.pageSize = this.hex(buf, end, 'a page size');
        return;
      case 0x41 /* A */:
        this.attached = true;
        return this.atClock(-1);
      case 0x23 /* # */:
        if (startsWithBytes(buf, start, end, STRINGS_COMMENT)) this.finished = true;
        return;
      case 0x53 /* S: a leak suppression */:
        return;
      case 0x6d /* m */:
      case 0x78 /* x */:
        throw new LhpError(
          `${this.path} holds heaptrack's raw, uninterpreted data (heaptrack --raw): run it through heaptrack_interpret first, as heaptrack said when it finished`,
        );
      default:
        if (start === end) return; // an empty line
        this.corrupt(`unknown line type "${String.fromCharCode(mode)}"`);
    }
  }

  private version(buf: Uint8Array, end: number): void {
    const heaptrack = this.hex(buf, end, 'a version');
    // without a file format: before heaptrack 1.0 (format 0), except the one that said 1.2.0 (format 1)
    this.fileVersion = this.p < end ? this.hex(buf, end, 'a file format version') : heaptrack === 0x10200 ? 1 : 0;
    this.heaptrackVersion = [
      Math.floor(heaptrack / 0x10000),
      Math.floor(heaptrack / 0x100) % 0x100,
      heaptrack % 0x100,
    ].join('.');
    if (this.fileVersion > NEWEST_FORMAT) {
      throw new LhpError(
        `${this.path} uses heaptrack's file format ${this.fileVersion} (heaptrack ${this.heaptrackVersion}), newer than this leakhound reads (${NEWEST_FORMAT})`,
      );
    }
    if (this.fileVersion < 1)
      throw new LhpError(
        `${this.path} uses heaptrack's file format 0 (before heaptrack 1.0), which this leakhound does not read`,
      );
  }

  private string(buf: Uint8Array, start: number, end: number): void {
    let from = start + 2;
    let to = end;
    if (this.fileVersion >= 3) {
      const length = this.hex(buf, end, 'a string length');
      from = this.p;
      to = from + length;
      if (to > end) this.corrupt('a string runs past its line');
    }
    this.strings++;
    this.visitor.string(this.strings + STRING_BASE, text(buf, from, to));
  }

  /** `i <ip> <module> [<function> [<file> <line> [<function> <file> <line>]…]]`: the frames of an instruction pointer. */
  private instruction(buf: Uint8Array, end: number): void {
    const ip = this.hex(buf, end, 'an address');
    const module = this.stringRef(this.hex(buf, end, 'a module'));
    const first = this.frames;
    let fn = this.p < end ? this.stringRef(this.hex(buf, end, 'a function')) : 0;
    let file = 0;
    let line = 0;
    if (this.p < end) {
      file = this.stringRef(this.hex(buf, end, 'a file'));
      line = this.hex(buf, end, 'a line');
    }
    for (;;) {
      this.visitor.frame(this.frames++, ip, fn, file, line, module);
      if (this.p >= end) break;
      fn = this.stringRef(this.hex(buf, end, 'a function'));
      file = this.stringRef(this.hex(buf, end, 'a file'));
      line = this.hex(buf, end, 'a line');
    }
    this.ipFrame.push(first);
    this.ipFrames.push(this.frames - first);
  }

  /** `t <ip> <parent>`: a trace node. Parents come first, so following them ends. */
  private trace(buf: Uint8Array, end: number): void {
    const ip = this.hex(buf, end, 'an instruction pointer');
    const parent = this.hex(buf, end, 'a trace');
    if (ip >= this.ipFrame.length) this.corrupt(`a trace refers to instruction pointer ${ip}, never defined`);
    if (parent >= this.traceIp.length) this.corrupt(`a trace refers to trace ${parent}, never defined`);
    this.traceIp.push(ip);
    this.traceParent.push(parent);
  }

  /** `a <size> <trace>`: an allocation info, and the stack of its trace. */
  private allocationInfo(buf: Uint8Array, end: number): void {
    const size = this.hex(buf, end, 'a size');
    const trace = this.hex(buf, end, 'a trace');
    if (trace >= this.traceIp.length) this.corrupt(`an allocation info refers to trace ${trace}, never defined`);
    const info = this.infoSize.length;
    this.infoSize.push(size);
    this.infoStack.push(this.stackOf(trace));
    if (info >= this.top.length) {
      const grown = new Int32Array(this.top.length * 2).fill(-1);
      grown.set(this.top);
      this.top = grown;
    }
  }

  private stackOf(trace: number): number {
    let id = this.traceStack.get(trace);
    if (id === undefined) {
      const frames: number[] = [];
      for (let t = trace; t !== 0; t = this.traceParent[t]) {
        const ip = this.traceIp[t];
        for (let f = 0; f < this.ipFrames[ip]; f++) frames.push(this.ipFrame[ip] + f);
      }
      id = this.stacks++;
      this.visitor.stack(id, Uint32Array.from(frames));
      this.traceStack.set(trace, id);
    }
    return id;
  }

  private info(buf: Uint8Array, end: number): number {
    const info = this.hex(buf, end, 'an allocation info');
    if (info >= this.infoSize.length) this.corrupt(`an allocation refers to allocation info ${info}, never defined`);
    return info;
  }

  private event(code: number): void {
    if (this.pending === this.events.length) {
      if (this.read > 0) {
        this.events.copyWithin(0, this.read, this.pending);
        for (const interval of this.intervals) interval.end -= this.read;
        this.pending -= this.read;
        this.read = 0;
      } else {
        const grown = new Int32Array(this.events.length * 2);
        grown.set(this.events);
        this.events = grown;
      }
    }
    this.events[this.pending++] = code;
  }

  /**
   * A clock line closes an interval: its events are spread evenly over it. heaptrack's
   * timer writes one every 10 ms when it gets the lock the allocation hooks hold while
   * they write. A longer gap means the lock was held all along: the program allocated
   * flat out, or it was blocked writing to heaptrack (whose interpreter stalls for a
   * while at start-up, loading debug info). A long gap whose allocations the program
   * makes at its busiest rate in less than half the gap is such a pause: it is shortened
   * to the time they take at that rate, and later times move up with it. Intervals wait
   * for a rate to be known (the first regular tick), or for the end of the file.
   */
  private clock(ms: number): void {
    const gap = Math.max(0, ms - this.lastClockMs);
    this.lastClockMs = Math.max(ms, this.lastClockMs);
    const start = this.intervals.length ? this.intervals[this.intervals.length - 1].end : this.read;
    const n = this.pending - start;
    if (gap >= TIMER_MS / 2 && gap <= 2 * TIMER_MS) this.busiestRate = Math.max(this.busiestRate, n / gap);
    this.intervals.push({ gapMs: gap, end: this.pending, samples: [] });
    if (this.busiestRate > 0) this.emitIntervals();
  }

  /** An RSS sample (bytes), or the attach mark (-1), at the last clock line. */
  private atClock(value: number): void {
    const last = this.intervals[this.intervals.length - 1];
    if (last) last.samples.push(value);
    else if (value < 0) this.visitor.mark(this.clockNs, ATTACHED);
    else this.visitor.sample(this.clockNs, RSS, value);
  }

  private emitIntervals(): void {
    for (const interval of this.intervals) {
      let gap = interval.gapMs;
      const n = interval.end - this.read;
      if (gap > 2 * TIMER_MS && this.busiestRate > 0) {
        const working = Math.max(TIMER_MS, n / this.busiestRate);
        if (working < gap / 2) {
          this.cutMs += gap - working;
          gap = working;
        }
      }
      this.emit(interval.end, this.clockNs + Math.round(gap * NS_PER_MS));
      for (const value of interval.samples) {
        if (value < 0) this.visitor.mark(this.clockNs, ATTACHED);
        else this.visitor.sample(this.clockNs, RSS, value);
      }
    }
    this.intervals.length = 0;
  }

  /**
   * Gives events [read, end) times spread evenly up to `untilNs`. heaptrack writes a
   * realloc as a free and an allocation, just as a loop that frees and allocates at one
   * call site: they stay a free and an allocation (no realloc chain).
   */
  private emit(end: number, untilNs: number): void {
    const from = this.clockNs;
    const n = end - this.read;
    const span = untilNs - from;
    const v = this.visitor;
    const events = this.events;
    for (let k = this.read; k < end; k++) {
      const code = events[k];
      const time = Math.round(from + (span * (k - this.read + 0.5)) / n);
      if (code >= 0) {
        v.alloc(time, address(this.push(code)), this.infoSize[code], this.infoStack[code], 0, this.infoSize[code]);
        continue;
      }
      const info = ~code;
      const id = this.top[info];
      if (id < 0) {
        v.free(time, NEVER_ALLOCATED); // counted as an unmatched free
        continue;
      }
      this.top[info] = this.below[id];
      v.free(time, address(id));
    }
    this.read = end;
    this.clockNs = untilNs;
    if (this.read === this.pending) this.read = this.pending = 0;
  }

  /** A new allocation of `info`: its id, on top of the info's live ones. */
  private push(info: number): number {
    const id = this.allocations++;
    if (id === this.below.length) {
      const grown = new Int32Array(this.below.length * 2);
      grown.set(this.below);
      this.below = grown;
    }
    this.below[id] = this.top[info];
    this.top[info] = id;
    return id;
  }

  finish(truncated: boolean, compressed: boolean): ImportResult {
    if (this.fileVersion < 0)
      throw new LhpError(`${this.path} is truncated inside heaptrack's first line: nothing was recorded`);
    this.emitIntervals();
    // events after the last clock line (a cut file) get its time
    this.emit(this.pending, this.clockNs);
    const cut = this.cutMs > 0 ? `; ${this.cutMs} ms where heaptrack blocked the program were cut out` : '';
    const warnings = [
      `${this.path} is a heaptrack recording, which has no addresses, threads or exact times: a free is matched to the latest live allocation of the same size and stack, a realloc is a free and a new allocation (no chain), and allocations are spread evenly between heaptrack's clock lines (10 ms apart, or more)${cut}`,
    ];
    if (this.attached)
      warnings.push(
        `${this.path}: heaptrack attached to a running process: what it allocated before is not in the recording`,
      );
    if (truncated) {
      warnings.push(
        `${this.path} is truncated after line ${this.lineNo} (heaptrack was killed?): loaded every complete line before it`,
      );
    } else if (!this.finished) {
      warnings.push(
        `${this.path} does not end as heaptrack ends its files: heaptrack was killed or is still running; loaded everything written so far`,
      );
    }
    return {
      header: importedHeader({
        recorder: 'heaptrack',
        command: this.command,
        options: { heaptrackVersion: this.heaptrackVersion, fileFormat: this.fileVersion, pageSize: this.pageSize },
      }),
      compressed,
      records: this.lineNo,
      truncated,
      clean: this.finished && !truncated,
      warnings,
      imported: IMPORTED,
    };
  }

  private stringRef(index: number): number {
    if (index > this.strings) this.corrupt(`a frame refers to string ${index}, never defined`);
    return index === 0 ? 0 : index + STRING_BASE;
  }

  /** The next hex field of the line; `what` names it when it is missing or not hex. */
  private hex(buf: Uint8Array, end: number, what: string): number {
    let p = this.p;
    if (p >= end) this.corrupt(`a line ends before ${what}`);
    let value = 0;
    let b = buf[p];
    while (b !== SPACE) {
      const digit = HEX[b];
      if (digit < 0) this.corrupt(`${what} is not a hex number`);
      value = value * 16 + digit;
      if (++p === end) break;
      b = buf[p];
    }
    if (p === this.p) this.corrupt(`${what} is missing`);
    this.p = p < end ? p + 1 : p;
    return value;
  }

  private corrupt(what: string): never {
    throw new LhpError(`${this.path} is corrupt at line ${this.lineNo}: ${what}`);
  }
}

function text(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, Math.max(0, to - from)).toString('utf8');
}

function startsWithBytes(buf: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}
