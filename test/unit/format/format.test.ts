import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteWriter, varintLength } from '../../../src/format/byte-writer';
import { FORMAT_MINOR } from '../../../src/format/constants';
import { LhpError } from '../../../src/format/errors';
import { LhpVisitor, ReadResult, readLhp } from '../../../src/format/reader';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { Profile } from '../../../src/profile/profile';
import { simulate } from '../../../src/simulate/simulate';
import { ROOT, tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const file = (name: string): string => path.join(dir, name);

/** The record tags of docs/FORMAT.md, spelled out here so that a change to the spec fails a test. */
const TAG = {
  string: 1,
  frame: 2,
  stack: 3,
  alloc: 4,
  free: 5,
  realloc: 6,
  sample: 7,
  mark: 8,
  thread: 9,
  process: 10,
  module: 11,
  end: 12,
  context: 0x0e,
  info: 0x0f,
  tick: 0x10,
  shortAlloc: 0x11,
  shortFree: 0x12,
  shortRealloc: 0x13,
  repeat: 0x14,
};
const MAGIC = [0x89, 0x4c, 0x48, 0x50, 0x0d, 0x0a, 0x1a, 0x0a];
const HEADER_FIXED = 16;

type Event = (string | number | number[])[];

/** Every record of a file, in order, as the reader hands them to a visitor. */
function readEvents(p: string): { events: Event[]; result: ReadResult } {
  const events: Event[] = [];
  const visitor: LhpVisitor = {
    string: (id, text) => events.push(['string', id, text]),
    frame: (id, address, fn, f, line, module) => events.push(['frame', id, address, fn, f, line, module]),
    stack: (id, frames) => events.push(['stack', id, Array.from(frames)]),
    alloc: (time, address, size, stack, thread, weight) =>
      events.push(['alloc', time, address, size, stack, thread, weight]),
    free: (time, address) => events.push(['free', time, address]),
    realloc: (time, oldA, newA, size, stack, thread) => events.push(['realloc', time, oldA, newA, size, stack, thread]),
    sample: (time, series, value) => events.push(['sample', time, series, value]),
    mark: (time, label) => events.push(['mark', time, label]),
    thread: (tid, name) => events.push(['thread', tid, name]),
    process: (pid, ppid, command) => events.push(['process', pid, ppid, command]),
    module: (start, end, p2) => events.push(['module', start, end, p2]),
    end: (time) => events.push(['end', time]),
    symbol: (frame, module, sources) => events.push(['symbol', frame, module, Array.from(sources)]),
  };
  return { events, result: readLhp(p, visitor) };
}

/** Asserts that loading `p` is refused with a one-line LhpError matching `pattern`. */
function refused(p: string, pattern: RegExp): void {
  assert.throws(
    () => loadSync(p),
    (err: unknown) => {
      assert.ok(err instanceof LhpError, `expected an LhpError, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      return true;
    },
  );
}

// ---------------------------------------------------------------- hand-made files

/** A field of a hand-made record: a number is written as a varint, a Buffer as raw bytes. */
type Field = number | Buffer;
interface RawRecord {
  tag: number;
  fields: Field[];
  /** The payload length written, when it must lie. */
  length?: number;
}

/** Zigzag of a time delta. */
const z = (delta: number): number => (delta < 0 ? -2 * delta - 1 : 2 * delta);
const HAND_HEADER = {
  recorder: 'hand',
  clock: 'monotonic-ns',
  startNs: '0',
  startWallTime: '2024-01-01T00:00:00.000Z',
  command: ['hand'],
  pid: 1,
  host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 1 },
};

function rawLhp(records: RawRecord[], options: { major?: number; minor?: number; json?: Buffer } = {}): Buffer {
  const json = options.json ?? Buffer.from(JSON.stringify(HAND_HEADER));
  const fixed = Buffer.alloc(HEADER_FIXED);
  Buffer.from(MAGIC).copy(fixed, 0);
  fixed.writeUInt16LE(options.major ?? 1, 8);
  fixed.writeUInt16LE(options.minor ?? 0, 10);
  fixed.writeUInt32LE(json.length, 12);
  const out = new ByteWriter();
  for (const r of records) {
    const payload = new ByteWriter();
    for (const f of r.fields) {
      if (typeof f === 'number') payload.varint(f);
      else payload.bytes(f);
    }
    out.byte(r.tag);
    out.varint(r.length ?? payload.length);
    out.bytes(payload.view());
  }
  return Buffer.concat([fixed, json, Buffer.from(out.view())]);
}

/** A valid little recording: one frame, one stack, an allocation freed 5 ns later. */
const BASE: RawRecord[] = [
  { tag: TAG.string, fields: [1, Buffer.from('handler')] },
  { tag: TAG.frame, fields: [0, 0x401000, 1, 0, 7, 0] },
  { tag: TAG.stack, fields: [0, 1, 0] },
  { tag: TAG.alloc, fields: [z(10), 4096, 64, 0, 1] },
  { tag: TAG.free, fields: [z(5), 4096] },
];
const END: RawRecord = { tag: TAG.end, fields: [z(1)] };

function writeRaw(name: string, records: RawRecord[], options: Parameters<typeof rawLhp>[1] = {}): string {
  const p = file(name);
  fs.writeFileSync(p, rawLhp(records, options));
  return p;
}

/** Where each record ends, scanned independently of the reader: [header end, record ends…] and tags. */
function recordEnds(bytes: Buffer): { headerEnd: number; ends: number[]; tags: number[] } {
  const headerEnd = HEADER_FIXED + bytes.readUInt32LE(12);
  const ends: number[] = [];
  const tags: number[] = [];
  let p = headerEnd;
  while (p < bytes.length) {
    const tag = bytes[p++];
    let length = 0;
    let shift = 1;
    let b: number;
    do {
      b = bytes[p++];
      length += (b & 0x7f) * shift;
      shift *= 128;
    } while (b & 0x80);
    p += length;
    ends.push(p);
    tags.push(tag);
  }
  assert.equal(p, bytes.length, 'the scan ends at the end of the file');
  return { headerEnd, ends, tags };
}

// ---------------------------------------------------------------- round trip

test('every record type round-trips through LhpWriter and readLhp, values at the varint edges included', () => {
  const p = file('all.lhp');
  const w = LhpWriter.create(p, { recorder: 'test', command: ['prog', '--flag'], pid: 4242, options: { seed: 7 } });
  const main = w.frame({ function: 'main', file: 'src/main.c', line: 12, module: '/usr/bin/prog', address: 0x401000 });
  const leaf = w.frame({ function: 'ünïcode ✓ 日本' }); // no file, line, module or address
  const deep = w.frame({
    function: 'main',
    file: 'src/main.c',
    line: 16384,
    module: '/usr/bin/prog',
    address: 2 ** 47 - 4096,
  });
  const s0 = w.stack([leaf, main]);
  const s1 = w.stack([deep]);
  assert.equal(w.stack([leaf, main]), s0, 'stacks are interned');
  assert.equal(
    w.frame({ function: 'main', file: 'src/main.c', line: 12, module: '/usr/bin/prog', address: 0x401000 }),
    main,
  );
  w.thread(7, 'main');
  w.process(4242, 1, 'prog --flag');
  w.module(0x400000, 0x4a0000, '/usr/bin/prog');
  w.alloc(1000, 2 ** 47 - 16, 2 ** 32 + 5, s0, 7);
  w.alloc(500, 128, 127, s1, 7, 16384); // back in time, sampled: stands for 16 KiB
  w.alloc(500, 16383, 128, s1, 2 ** 32, 128); // a weight equal to the size is the default
  w.free(400, 2 ** 47 - 16);
  w.realloc(2 ** 40, 128, 16384, 2 ** 53 - 1, s0, 7);
  w.realloc(2 ** 40, 0, 2 ** 53 - 1, 1, s1, 0); // realloc(NULL, n)
  w.sample(2 ** 40 + 1, 'rss', 2 ** 53 - 1);
  w.sample(2 ** 40 + 1, 'gc.major', 0);
  w.mark(2 ** 40 - 127, 'SIGUSR2 dump'); // 128 ns back
  w.free(2 ** 40 - 127 + 63, 16383); // +63 and -64 are the one-byte zigzag edges
  w.free(2 ** 40 - 128, 2 ** 53 - 1);
  w.finish(2 ** 40 + 16384);
  w.close();

  const { events, result } = readEvents(p);
  assert.deepEqual(events, [
    ['string', 1, 'main'],
    ['string', 2, 'src/main.c'],
    ['string', 3, '/usr/bin/prog'],
    ['frame', 0, 0x401000, 1, 2, 12, 3],
    ['string', 4, 'ünïcode ✓ 日本'],
    ['frame', 1, 0, 4, 0, 0, 0], // string 0 is the empty string, never written
    ['frame', 2, 2 ** 47 - 4096, 1, 2, 16384, 3],
    ['stack', 0, [1, 0]],
    ['stack', 1, [2]],
    ['thread', 7, 1],
    ['string', 5, 'prog --flag'],
    ['process', 4242, 1, 5],
    ['module', 0x400000, 0x4a0000, 3],
    ['alloc', 1000, 2 ** 47 - 16, 2 ** 32 + 5, 0, 7, 2 ** 32 + 5],
    ['alloc', 500, 128, 127, 1, 7, 16384],
    ['alloc', 500, 16383, 128, 1, 2 ** 32, 128],
    ['free', 400, 2 ** 47 - 16],
    ['realloc', 2 ** 40, 128, 16384, 2 ** 53 - 1, 0, 7],
    ['realloc', 2 ** 40, 0, 2 ** 53 - 1, 1, 1, 0],
    ['string', 6, 'rss'],
    ['sample', 2 ** 40 + 1, 6, 2 ** 53 - 1],
    ['string', 7, 'gc.major'],
    ['sample', 2 ** 40 + 1, 7, 0],
    ['string', 8, 'SIGUSR2 dump'],
    ['mark', 2 ** 40 - 127, 8],
    ['free', 2 ** 40 - 64, 16383],
    ['free', 2 ** 40 - 128, 2 ** 53 - 1],
    ['end', 2 ** 40 + 16384],
  ]);
  assert.equal(result.header.recorder, 'test');
  assert.deepEqual(result.header.command, ['prog', '--flag']);
  assert.equal(result.header.pid, 4242);
  assert.deepEqual(result.header.options, { seed: 7 });
  assert.deepEqual(result.version, { major: 1, minor: FORMAT_MINOR });
  assert.equal(result.records, events.length);
  assert.equal(result.clean, true);
  assert.equal(result.truncated, false);
  assert.equal(result.compressed, false);
  assert.equal(result.completeBytes, fs.statSync(p).size);

  // …and the Profile built from it
  const profile = loadSync(p);
  const c = profile.columns;
  assert.equal(c.count, 5);
  assert.deepEqual(Array.from(c.size), [2 ** 32 + 5, 127, 128, 2 ** 53 - 1, 1]);
  assert.deepEqual(Array.from(c.weight ?? []), [2 ** 32 + 5, 16384, 128, 2 ** 53 - 1, 1]);
  assert.deepEqual(Array.from(c.allocTime), [1000, 500, 500, 2 ** 40, 2 ** 40]);
  assert.deepEqual(Array.from(c.freeTime), [400, 2 ** 40, 2 ** 40 - 64, Infinity, 2 ** 40 - 128]);
  assert.deepEqual(Array.from(c.reallocNext), [-1, 3, -1, -1, -1]);
  assert.deepEqual(Array.from(c.reallocPrev), [-1, -1, -1, 1, -1]);
  assert.deepEqual(
    profile.threads.map((t) => [t.tid, t.name]),
    [
      [7, 'main'],
      [2 ** 32, ''],
      [0, ''],
    ],
  );
  assert.deepEqual(profile.processes, [{ pid: 4242, ppid: 1, command: 'prog --flag' }]);
  assert.deepEqual(profile.modules, [{ start: 0x400000, end: 0x4a0000, path: '/usr/bin/prog' }]);
  assert.deepEqual(Array.from(profile.series.get('rss')?.value ?? []), [2 ** 53 - 1]);
  assert.deepEqual(profile.marks, [{ time: 2 ** 40 - 127, label: 'SIGUSR2 dump' }]);
  assert.equal(profile.runtimeNs, 2 ** 40 + 16384);
  assert.deepEqual(profile.info.warnings, []);
  assert.equal(profile.info.unmatchedFrees, 0);
});

test('the bytes on disk: magic, version, header length and JSON, then tag, length, payload', () => {
  const p = file('bytes.lhp');
  const w = LhpWriter.create(p, { recorder: 'x' });
  w.free(0, 300);
  w.close();
  const b = fs.readFileSync(p);
  assert.deepEqual([...b.subarray(0, 8)], MAGIC);
  assert.equal(b.readUInt16LE(8), 1, 'major');
  assert.equal(b.readUInt16LE(10), FORMAT_MINOR, 'minor');
  const n = b.readUInt32LE(12);
  const header = JSON.parse(b.subarray(16, 16 + n).toString('utf8'));
  assert.equal(header.recorder, 'x');
  assert.equal(header.clock, 'monotonic-ns');
  assert.match(header.startNs, /^\d+$/);
  assert.ok(!Number.isNaN(Date.parse(header.startWallTime)));
  assert.deepEqual(header.command, []);
  assert.equal(header.pid, process.pid);
  assert.deepEqual(Object.keys(header.host).sort(), ['arch', 'cpus', 'hostname', 'platform']);
  // free: tag 5, 3 payload bytes: time delta 0 (zigzag 0), address 300 = 0xac 0x02
  assert.deepEqual([...b.subarray(16 + n)], [0x05, 0x03, 0x00, 0xac, 0x02]);
});

test('varints are LEB128; signed ones zigzag; out-of-range values are refused instead of written wrong', () => {
  const bytes = (f: (w: ByteWriter) => void): number[] => {
    const w = new ByteWriter(1);
    f(w);
    return [...w.view()];
  };
  const cases: [number, number[]][] = [
    [0, [0x00]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [2 ** 53 - 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ];
  for (const [value, expected] of cases) {
    assert.deepEqual(
      bytes((w) => w.varint(value)),
      expected,
      String(value),
    );
    assert.equal(varintLength(value), expected.length, String(value));
  }
  const zigzag: [number, number[]][] = [
    [0, [0]],
    [-1, [1]],
    [1, [2]],
    [-64, [0x7f]],
    [64, [0x80, 0x01]],
    [-65, [0x81, 0x01]],
  ];
  for (const [value, expected] of zigzag)
    assert.deepEqual(
      bytes((w) => w.svarint(value)),
      expected,
      String(value),
    );
  for (const bad of [-1, 1.5, 2 ** 53, NaN, Infinity])
    assert.throws(() => new ByteWriter().varint(bad), RangeError, String(bad));
  assert.throws(() => new ByteWriter().svarint(0.5), RangeError);
});

test('fractional times are rounded to whole nanoseconds, never read back with the wrong sign', () => {
  // A fractional delta used to lose its low bit in the varint: +12345.6 ns read back as -12346.
  const p = file('fraction.lhp');
  const w = LhpWriter.create(p, { recorder: 'x' });
  const s = w.stack([w.frame({ function: 'f' })]);
  w.alloc(0, 16, 8, s, 1);
  w.free(12345.6, 16);
  w.alloc(12345.6 + 0.3, 32, 8, s, 1);
  w.free(24691.2, 32);
  w.finish(24691.2);
  w.close();
  const times = readEvents(p)
    .events.filter((e) => e[0] === 'alloc' || e[0] === 'free' || e[0] === 'end')
    .map((e) => e[1]);
  assert.deepEqual(times, [0, 12346, 12346, 24691, 24691]);
});

test('a value the format cannot hold throws in the writer and leaves the file readable', () => {
  const p = file('bad-values.lhp');
  const w = LhpWriter.create(p, { recorder: 'x' });
  assert.throws(() => w.frame({ function: 'f', address: -5 }), RangeError);
  const f = w.frame({ function: 'g' });
  assert.throws(() => w.stack([f, -1]), RangeError);
  const s = w.stack([f]);
  assert.throws(() => w.alloc(0, 16, -8, s, 1), RangeError);
  assert.throws(() => w.alloc(100, 16, 8, s, 1, 0.5), RangeError); // fails after its time was encoded
  w.alloc(10, 16, 8, s, 1);
  w.finish(10);
  w.close();
  const profile = loadSync(p);
  assert.equal(profile.columns.count, 1);
  assert.equal(profile.columns.allocTime[0], 10, 'the failed record did not move the clock');
  assert.equal(profile.frames[profile.stacks[profile.columns.stack[0]][0]].function, 'g');
  assert.deepEqual(profile.info.warnings, []);
});

test('a write that fails (full disk, file size limit) leaves a file ending after a complete record', () => {
  // A child with an 8 KiB file size limit (ulimit -f; node ignores SIGXFSZ, so writes fail
  // with EFBIG) keeps writing after the limit, as a recorder would, then closes.
  const p = file('limited.lhp');
  const script = `
    const { LhpWriter } = require(${JSON.stringify(path.join(ROOT, 'dist', 'format', 'writer.js'))});
    const w = LhpWriter.create(process.argv[1], { recorder: 'x' }, { bufferSize: 1000 });
    const s = w.stack([w.frame({ function: 'f' })]);
    let failures = 0;
    for (let i = 0; i < 2000; i++) {
      try { w.alloc(i * 10, 4096 + i * 16, 100 + (i % 50), s, 1); } catch (e) { failures++; if (!/EFBIG/.test(e.message)) throw e; }
    }
    try { w.close(); } catch (e) { failures++; console.log(e.message); }
    console.log(failures);`;
  const r = spawnSync('bash', ['-c', 'ulimit -f 8 && exec "$0" -e "$1" "$2"', process.execPath, script, p], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const [message, failures] = r.stdout.trim().split('\n');
  assert.match(message, /^cannot write .*limited\.lhp: file too large \(EFBIG\)$/);
  assert.ok(Number(failures) > 100, r.stdout);
  assert.ok(fs.statSync(p).size <= 8192);
  const profile = loadSync(p);
  assert.equal(profile.info.truncated, false, 'no record cut in half');
  assert.ok(profile.columns.count > 500, `${profile.columns.count} allocations kept`);
  assert.match(profile.info.warnings[0], /has no end record/);
});

// ---------------------------------------------------------------- versions and unknown records

test('a newer minor version may add record types and fields: the reader skips them', () => {
  const future: RawRecord[] = [
    ...BASE.slice(0, 3),
    { tag: 0x40, fields: [1, 2, 3, Buffer.from('future')] },
    { tag: TAG.alloc, fields: [z(10), 4096, 64, 0, 1, 64, 99, 99] }, // weight, then two fields of a later minor
    { tag: TAG.free, fields: [z(5), 4096, 7] },
    END,
  ];
  const p = writeRaw('minor-1.lhp', future, { minor: FORMAT_MINOR + 1 });
  const { events, result } = readEvents(p);
  assert.deepEqual(result.version, { major: 1, minor: FORMAT_MINOR + 1 });
  assert.deepEqual(events.slice(3), [
    ['alloc', 10, 4096, 64, 0, 1, 64],
    ['free', 15, 4096],
    ['end', 16],
  ]);
  assert.equal(result.records, 7, 'the skipped record is counted');
  const profile = loadSync(p);
  assert.equal(profile.columns.count, 1);
  assert.equal(profile.columns.freeTime[0], 15);
  assert.deepEqual(profile.info.warnings, []);

  // the same unknown record in a file of this reader's version can only be damage
  refused(writeRaw('minor-0-unknown.lhp', future, { minor: 0 }), /is corrupt at byte \d+: unknown record type 0x40$/);
});

test('a file of format 1.1 (before the compact events) reads as before', () => {
  const p = file('minor-1-writer.lhp');
  const w = LhpWriter.create(p, { recorder: 'test' });
  const stack = w.stack([w.frame({ function: 'main', file: 'a.c', line: 3 })]);
  w.alloc(10, 0x5000, 64, stack, 7);
  w.free(30, 0x5000);
  w.finish(40);
  w.close();
  const bytes = fs.readFileSync(p);
  bytes.writeUInt16LE(1, 10); // what leakhound 1.1 wrote: the same records
  fs.writeFileSync(p, bytes);
  const { events, result } = readEvents(p);
  assert.deepEqual(result.version, { major: 1, minor: 1 });
  assert.deepEqual(
    events.filter((e) => e[0] === 'alloc' || e[0] === 'free'),
    [
      ['alloc', 10, 0x5000, 64, stack, 7, 64],
      ['free', 30, 0x5000],
    ],
  );
});

// ---------------------------------------------------------------- compact events (1.2)

/**
 * Two threads' compact events: thread 7 (context 1) allocates 0x5000 and 0x5040,
 * thread 8 (context 2) frees 0x5000, thread 7 frees 0x5040, allocates 0x5080 and
 * reallocates it to 0x5000, going on from its own last address and time.
 */
const COMPACT: RawRecord[] = [
  ...BASE.slice(0, 3),
  { tag: TAG.info, fields: [1, 64, 0] },
  { tag: TAG.context, fields: [1, 7] },
  { tag: TAG.tick, fields: [z(131072)] },
  { tag: TAG.shortAlloc, fields: [z(0x5000), 1] },
  { tag: TAG.shortAlloc, fields: [z(0x40), 1] },
  { tag: TAG.context, fields: [2, 8] },
  { tag: TAG.tick, fields: [z(131072)] },
  { tag: TAG.shortFree, fields: [z(0x5000)] },
  { tag: TAG.context, fields: [1, 7] },
  { tag: TAG.shortFree, fields: [z(0)] },
  { tag: TAG.shortAlloc, fields: [z(0x40), 1] },
  { tag: TAG.info, fields: [2, 128, 0] },
  { tag: TAG.shortRealloc, fields: [z(0), z(-0x80), 2] },
  END,
];

test('compact events: contexts (each with its own address and time), infos, ticks and address differences read as the allocs and frees they stand for', () => {
  const p = writeRaw('compact.lhp', COMPACT, { minor: 2 });
  const { events } = readEvents(p);
  assert.deepEqual(
    events.filter((e) => ['alloc', 'free', 'realloc', 'end'].includes(e[0] as string)),
    [
      ['alloc', 131072, 0x5000, 64, 0, 7, 64],
      ['alloc', 131072, 0x5040, 64, 0, 7, 64],
      ['free', 262144, 0x5000],
      ['free', 131072, 0x5040],
      ['alloc', 131072, 0x5080, 64, 0, 7, 64],
      ['realloc', 131072, 0x5080, 0x5000, 128, 0, 7],
      ['end', 131073],
    ],
  );
  const profile = loadSync(p);
  assert.equal(profile.columns.count, 4);
  assert.deepEqual(Array.from(profile.columns.freeTime.subarray(0, 2)), [262144, 131072]);
  assert.equal(profile.info.unmatchedFrees, 0);
});

test("compact events: a sampled recording's info (1.3) carries the bytes each of its allocations stands for", () => {
  const sampled = COMPACT.map((r) =>
    r.tag === TAG.info ? { ...r, fields: [...r.fields, 4096 + Number(r.fields[1])] } : r,
  );
  const p = writeRaw('compact-sampled.lhp', sampled, { minor: 3 });
  const profile = loadSync(p);
  assert.equal(profile.columns.count, 4);
  assert.deepEqual(Array.from(profile.columns.size.subarray(0, 4)), [64, 64, 64, 128]);
  // the realloc's new block weighs what its own info says
  assert.deepEqual(Array.from(profile.columns.weight ?? []).slice(0, 4), [4160, 4160, 4160, 4224]);
});

test('compact events: an undefined info or an address difference leading below 1 is refused with one line', () => {
  const noInfo = COMPACT.filter((r) => r.tag !== TAG.info);
  refused(
    writeRaw('compact-no-info.lhp', noInfo, { minor: 2 }),
    /is corrupt at byte \d+: an allocation refers to allocation info 1, never defined$/,
  );
  const first = COMPACT.findIndex((r) => r.tag === TAG.shortFree); // thread 8's, from its new context's base 0
  const below = COMPACT.map((r, i) => (i === first ? { ...r, fields: [z(-1)] } : r));
  refused(
    writeRaw('compact-below.lhp', below, { minor: 2 }),
    /is corrupt at byte \d+: an address difference leads to -1, not an address$/,
  );
});

// ---------------------------------------------------------------- repeats (1.3)

/**
 * Thread 7 allocates and frees 0x5000, then 0x5040; a repeat makes three more events,
 * each the one two before, its address difference applied again: alloc and free
 * 0x5080, alloc 0x50c0. After a tick, a repeat of period 1 copies the realloc just
 * written, which moves the block 0x40 on again.
 */
const REPEATS: RawRecord[] = [
  ...BASE.slice(0, 3),
  { tag: TAG.info, fields: [1, 64, 0] },
  { tag: TAG.context, fields: [1, 7] },
  { tag: TAG.tick, fields: [z(131072)] },
  { tag: TAG.shortAlloc, fields: [z(0x5000), 1] },
  { tag: TAG.shortFree, fields: [z(0)] },
  { tag: TAG.shortAlloc, fields: [z(0x40), 1] },
  { tag: TAG.shortFree, fields: [z(0)] },
  { tag: TAG.repeat, fields: [2, 3] },
  { tag: TAG.tick, fields: [z(131072)] },
  { tag: TAG.shortRealloc, fields: [z(0), z(0x40), 1] },
  { tag: TAG.repeat, fields: [1, 1] },
  END,
];

test('repeats: each repeated event is a copy of the compact event `period` before it, its address difference applied again', () => {
  const { events } = readEvents(writeRaw('repeats.lhp', REPEATS, { minor: 3 }));
  assert.deepEqual(
    events.filter((e) => ['alloc', 'free', 'realloc'].includes(e[0] as string)),
    [
      ['alloc', 131072, 0x5000, 64, 0, 7, 64],
      ['free', 131072, 0x5000],
      ['alloc', 131072, 0x5040, 64, 0, 7, 64],
      ['free', 131072, 0x5040],
      ['alloc', 131072, 0x5080, 64, 0, 7, 64],
      ['free', 131072, 0x5080],
      ['alloc', 131072, 0x50c0, 64, 0, 7, 64],
      ['realloc', 262144, 0x50c0, 0x5100, 64, 0, 7],
      ['realloc', 262144, 0x5100, 0x5140, 64, 0, 7],
    ],
  );
  const ignore = new Proxy({}, { get: () => () => {} }) as LhpVisitor;
  const counted = readLhp(writeRaw('repeats-counted.lhp', REPEATS, { minor: 3 }), ignore, { definitionsOnly: true });
  assert.equal(counted.skippedAllocations, 6, 'the allocations a repeat stands for are counted');
});

test('repeats: one reaching past the last record of another kind, or further back than 8 events, is refused with one line', () => {
  const pastTick = REPEATS.map((r, i) => (i === REPEATS.length - 2 ? { ...r, fields: [2, 1] } : r));
  refused(
    writeRaw('repeat-past-tick.lhp', pastTick, { minor: 3 }),
    /is corrupt at byte \d+: a repeat refers 2 compact events back, past the 1 it can$/,
  );
  const tooFar = REPEATS.map((r) => (r.tag === TAG.repeat ? { ...r, fields: [9, 1] } : r));
  refused(
    writeRaw('repeat-too-far.lhp', tooFar, { minor: 3 }),
    /a repeat refers 9 compact events back, past the 4 it can$/,
  );
});

test('a newer major version is refused with an upgrade hint; version 0 does not exist', () => {
  const p = writeRaw('major-2.lhp', [...BASE, END], { major: 2, minor: 5 });
  refused(p, /uses format 2\.5, newer than this leakhound reads \(1\.3\): upgrade leakhound$/);
  // patching the version bytes of a real recording does the same
  const real = file('major-patched.lhp');
  simulate({ output: real, allocations: 1000, seed: 1 });
  const bytes = fs.readFileSync(real);
  bytes.writeUInt16LE(7, 8);
  fs.writeFileSync(real, bytes);
  refused(real, /uses format 7\.3, newer than/);
  refused(writeRaw('major-0.lhp', [...BASE, END], { major: 0 }), /corrupt: its header says format version 0\.0/);
});

// ---------------------------------------------------------------- refusals

test('empty, foreign, missing and directory paths are refused with one line', () => {
  const empty = file('empty.lhp');
  fs.writeFileSync(empty, '');
  refused(empty, /empty\.lhp is empty: no profile was recorded$/);

  const png = file('image.png');
  fs.writeFileSync(
    png,
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]),
  );
  refused(png, /image\.png is not a leakhound profile \(\.lhp\): wrong magic bytes$/);
  const text = file('notes.txt');
  fs.writeFileSync(text, 'malloc 16 bytes at main.c:12\nfree\n');
  refused(text, /not a leakhound profile/);
  const tiny = file('tiny.txt');
  fs.writeFileSync(tiny, 'hi');
  refused(tiny, /not a leakhound profile/);

  refused(file('no-such.lhp'), /cannot read .*no-such\.lhp: no such file or directory \(ENOENT\)$/);
  refused(dir, /cannot read .*: it is a directory, not a regular file$/);
});

test('damaged records are refused with one line naming the byte', () => {
  /** The byte offset of records[index] in the file rawLhp(records) makes. */
  const recordAt = (records: RawRecord[], index: number): number => rawLhp(records.slice(0, index)).length;

  // a flipped tag byte in a real recording
  const good = writeRaw('good.lhp', [...BASE, END]);
  assert.equal(loadSync(good).columns.count, 1);
  const flipped = fs.readFileSync(good);
  const { ends } = recordEnds(flipped);
  flipped[ends[2]] = 0x3f; // the alloc record's tag
  fs.writeFileSync(file('flipped.lhp'), flipped);
  refused(file('flipped.lhp'), new RegExp(`corrupt at byte ${ends[2]}: unknown record type 0x3f$`));

  const withAlloc = (alloc: Field[]): RawRecord[] => [...BASE.slice(0, 3), { tag: TAG.alloc, fields: alloc }, END];
  refused(
    writeRaw('no-stack.lhp', withAlloc([z(1), 16, 8, 9, 1])),
    /corrupt: an allocation refers to stack 9, never defined$/,
  );
  refused(
    writeRaw('no-string.lhp', [{ tag: TAG.frame, fields: [0, 0, 50, 0, 0, 0] }, END]),
    /corrupt: a record refers to string 50, never defined$/,
  );
  refused(
    writeRaw('no-frame.lhp', [...BASE.slice(0, 2), { tag: TAG.stack, fields: [0, 2, 0, 3] }, END]),
    /stack 0 refers to frame 3, never defined$/,
  );
  refused(writeRaw('no-label.lhp', [{ tag: TAG.mark, fields: [z(1), 12] }, END]), /refers to string 12, never defined/);
  refused(
    writeRaw('no-series.lhp', [{ tag: TAG.sample, fields: [z(1), 3, 100] }, END]),
    /refers to string 3, never defined/,
  );

  // a free whose address runs past its stated length (into the next record)
  const overrun: RawRecord[] = [...BASE.slice(0, 4), { tag: TAG.free, fields: [z(5), 4096], length: 2 }, END];
  refused(
    writeRaw('overrun.lhp', overrun),
    new RegExp(`corrupt at byte ${recordAt(overrun, 4)}: free record overruns its length$`),
  );
  // an alloc one field short, at the very end of the file
  refused(writeRaw('short.lhp', withAlloc([z(1), 16, 8]).slice(0, 4)), /alloc record overruns its length$/);
  // a string whose id runs past its length
  refused(
    writeRaw('string-overrun.lhp', [{ tag: TAG.string, fields: [Buffer.from([0x81])], length: 1 }, END]),
    /string record overruns its length$/,
  );
  // a stack claiming more frames than its payload holds
  refused(
    writeRaw('stack-count.lhp', [...BASE.slice(0, 2), { tag: TAG.stack, fields: [0, 1000000, 0] }, END]),
    /stack record overruns its length$/,
  );
  // a number of more than 10 bytes
  const long = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  refused(writeRaw('long-varint.lhp', withAlloc([z(1), long, 8, 0, 1])), /a number is longer than 10 bytes$/);
  // a length no record comes near: damage, not a reason to read the rest of the file as one record
  refused(
    writeRaw('huge-length.lhp', [...BASE, { tag: TAG.string, fields: [9, Buffer.from('x')], length: 2 ** 30 }]),
    /a record claims more than \d+ bytes$/,
  );
  // zero bytes in the middle of the records
  refused(
    writeRaw('zeros-inside.lhp', [...BASE, { tag: 0, fields: [Buffer.alloc(10)], length: 0 }, END]),
    /unknown record type 0x0$/,
  );
  // header damage
  refused(
    writeRaw('bad-json.lhp', [...BASE, END], { json: Buffer.from('{"recorder": ') }),
    /corrupt: its header is not valid JSON$/,
  );
  refused(
    writeRaw('no-recorder.lhp', [...BASE, END], { json: Buffer.from('{"pid": 3}') }),
    /corrupt: its header lacks the recorder field$/,
  );
  const hugeHeader = rawLhp([...BASE, END]);
  hugeHeader.writeUInt32LE(2 ** 31, 12);
  fs.writeFileSync(file('huge-header.lhp'), hugeHeader);
  refused(file('huge-header.lhp'), /corrupt: its header claims 2147483648 bytes of JSON/);
});

test('damage anywhere in a real recording is refused or loaded, never an internal error', (t) => {
  const p = file('flip-src.lhp');
  simulate({ output: p, allocations: 2000, seed: 3 });
  const full = fs.readFileSync(p);
  const { headerEnd } = recordEnds(full);
  let refusedCount = 0;
  for (let i = 0; i < 400; i++) {
    const at = headerEnd + Math.floor(((i * 7919) % 400) * ((full.length - headerEnd) / 400));
    const damaged = Buffer.from(full);
    damaged[at] ^= 0xa5;
    const out = file('flipped-one.lhp');
    fs.writeFileSync(out, damaged);
    try {
      loadSync(out);
    } catch (err) {
      assert.ok(err instanceof LhpError, `byte ${at}: ${String(err)}`);
      assert.ok(!err.message.includes('\n'));
      refusedCount++;
    }
  }
  t.diagnostic(`${refusedCount} of 400 single-byte flips refused, the rest loaded`);
  assert.ok(refusedCount > 40, `${refusedCount} of 400 single-byte flips detected`);
});

// ---------------------------------------------------------------- truncation

/** Loads every given cut of `full` and checks it against the whole file's allocations. */
function checkCuts(full: Buffer, cuts: Iterable<number>, name: string): { loaded: number; refusedInHeader: number } {
  const whole = file(`${name}-whole.lhp`);
  fs.writeFileSync(whole, full);
  const reference = loadSync(whole);
  const { headerEnd, ends, tags } = recordEnds(full);
  const cutPath = file(`${name}-cut.lhp`);
  let loaded = 0;
  let refusedInHeader = 0;
  for (const cut of cuts) {
    fs.writeFileSync(cutPath, full.subarray(0, cut));
    if (cut < headerEnd) {
      refused(cutPath, cut === 0 ? /is empty/ : /is truncated inside its header: nothing was recorded$/);
      refusedInHeader++;
      continue;
    }
    let profile: Profile;
    try {
      profile = loadSync(cutPath);
    } catch (err) {
      assert.fail(`cut at ${cut} of ${full.length}: ${String(err)}`);
    }
    loaded++;
    // the records loaded are exactly those that end at or before the cut
    let complete = 0;
    while (complete < ends.length && ends[complete] <= cut) complete++;
    const lastEnd = complete === 0 ? headerEnd : ends[complete - 1];
    const allocs = tags.slice(0, complete).filter((t) => t === TAG.alloc || t === TAG.realloc).length;
    assert.equal(profile.info.records, complete, `records at cut ${cut}`);
    assertPrefix(profile, reference, allocs, `cut ${cut}`);
    const warnings = profile.info.warnings;
    if (cut === full.length) assert.deepEqual(warnings, []);
    else if (cut === lastEnd) {
      assert.equal(profile.info.truncated, false);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /has no end record: the recorder was killed or is still running/);
    } else {
      assert.equal(profile.info.truncated, true);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0],
        new RegExp(`is truncated after byte ${lastEnd} \\(the recorder was killed\\?\\): loaded every complete record`),
      );
    }
  }
  return { loaded, refusedInHeader };
}

/** `part` holds exactly the first `count` allocations of `whole`: same sizes, stacks, threads, times. */
function assertPrefix(part: Profile, whole: Profile, count: number, what: string): void {
  const a = part.columns;
  const b = whole.columns;
  assert.equal(a.count, count, `${what}: allocation count`);
  for (let i = 0; i < count; i++) {
    if (a.size[i] !== b.size[i] || a.allocTime[i] !== b.allocTime[i] || a.thread[i] !== b.thread[i]) {
      assert.fail(`${what}: allocation ${i} differs`);
    }
    // stacks are compared by their frames: ids are the file's, and both files share them
    if (a.stack[i] !== b.stack[i]) assert.fail(`${what}: allocation ${i} has another stack`);
    // freed before the cut: the same time; freed after it: still live (these recordings are
    // written in time order, so a free dated before the part's last record is inside the part)
    if (a.freeTime[i] !== b.freeTime[i] && a.freeTime[i] !== Infinity)
      assert.fail(`${what}: allocation ${i} freed at another time`);
    if (a.freeTime[i] === Infinity && b.freeTime[i] < part.runtimeNs)
      assert.fail(`${what}: allocation ${i}'s free, before the cut, was lost`);
  }
}

test('a small recording cut at every byte: the header is refused, every later cut loads exactly its complete records', (t) => {
  const p = file('small.lhp');
  const w = LhpWriter.create(p, { recorder: 'test', command: ['small'] });
  w.thread(1, 'main');
  const stacks = [0, 1, 2].map((k) =>
    w.stack([w.frame({ function: `f${k}`, file: 'a.c', line: 10 + k }), w.frame({ function: 'main' })]),
  );
  let now = 0;
  for (let i = 0; i < 120; i++) {
    now += 1000 + ((i * 37) % 900);
    w.alloc(now, 0x10000 + i * 64, 16 + ((i * 13) % 300), stacks[i % 3], 1 + (i % 2), i % 10 === 0 ? 4096 : undefined);
    if (i % 3 === 1) w.free(now + 5, 0x10000 + (i - 1) * 64);
    if (i % 20 === 0) w.realloc(now + 7, 0x10000 + i * 64, 0x90000 + i * 64, 700, stacks[0], 1);
    if (i % 30 === 0) w.sample(now, 'rss', 1 << 20);
    if (i === 60) w.mark(now, 'half way');
  }
  w.finish(now + 10);
  w.close();
  const full = fs.readFileSync(p);
  const cuts = Array.from({ length: full.length + 1 }, (_, i) => i);
  const { loaded, refusedInHeader } = checkCuts(full, cuts, 'small');
  t.diagnostic(`${full.length} bytes: ${refusedInHeader} cuts in the header refused, ${loaded} later cuts loaded`);
  assert.equal(refusedInHeader, recordEnds(full).headerEnd);
  assert.ok(loaded > 1000, `${loaded} cuts loaded`);
});

test('a simulated recording cut at 300 places loads a prefix of its allocations each time', () => {
  const p = file('sim2000.lhp');
  simulate({ output: p, allocations: 2000, seed: 1 });
  const full = fs.readFileSync(p);
  const { headerEnd, ends } = recordEnds(full);
  const cuts = new Set<number>([1, 7, 8, 15, 16, headerEnd - 1]);
  for (let i = 0; i < 280; i++) cuts.add(headerEnd + Math.floor((i / 280) * (full.length - headerEnd)) + (i % 5));
  for (let i = 0; i < 20; i++) cuts.add(ends[Math.floor((i / 20) * ends.length)]); // clean record boundaries
  const { loaded } = checkCuts(full, cuts, 'sim2000');
  assert.ok(loaded >= 290);
});

test('a recording without an end record, cut at a record boundary, loads with the "no end record" warning', () => {
  const p = writeRaw('no-end.lhp', BASE);
  const profile = loadSync(p);
  assert.equal(profile.columns.count, 1);
  assert.equal(profile.info.clean, false);
  assert.equal(profile.info.truncated, false);
  assert.equal(profile.info.warnings.length, 1);
  assert.match(
    profile.info.warnings[0],
    /no-end\.lhp has no end record: the recorder was killed or is still running; loaded everything written so far$/,
  );
});

test('zeros up to the end of the file (a preallocated file whose recorder died) are truncation, not damage', () => {
  const bytes = Buffer.concat([rawLhp(BASE), Buffer.alloc(70_000)]);
  fs.writeFileSync(file('zero-tail.lhp'), bytes);
  const profile = loadSync(file('zero-tail.lhp'));
  assert.equal(profile.columns.count, 1);
  assert.equal(profile.columns.freeTime[0], 15);
  assert.equal(profile.info.truncated, true);
  assert.match(profile.info.warnings[0], new RegExp(`truncated after byte ${bytes.length - 70_000} `));
  // zeros followed by records (also across the reader's 64 KiB chunks) are damage
  fs.writeFileSync(file('zero-middle.lhp'), Buffer.concat([bytes, rawLhp([END]).subarray(rawLhp([]).length)]));
  refused(file('zero-middle.lhp'), new RegExp(`corrupt at byte ${bytes.length - 70_000}: unknown record type 0x0$`));
});

// ---------------------------------------------------------------- zstd

function requireZstd(): void {
  const r = spawnSync('zstd', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    assert.fail('the zstd command is missing: apt-get install zstd (compression tests need it)');
}

/** The 100k-allocation recordings shared by the zstd and compactness tests, made once. */
let big: { plain: string; zstd: string; allocations: number; frees: number } | undefined;
function bigRecordings(): NonNullable<typeof big> {
  if (!big) {
    requireZstd();
    const plain = file('big.lhp');
    const zstd = file('big.lhp.zst');
    const s = simulate({ output: plain, allocations: 100_000, seed: 1 });
    simulate({ output: zstd, allocations: 100_000, seed: 1, compress: true });
    big = { plain, zstd, allocations: s.allocations, frees: s.frees };
  }
  return big;
}

test('a zstd-compressed recording is detected and loads identical to the plain one', () => {
  const { plain, zstd } = bigRecordings();
  assert.deepEqual([...fs.readFileSync(zstd).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
  const a = loadSync(plain);
  const b = loadSync(zstd);
  assert.equal(b.info.compressed, true);
  assert.equal(a.info.compressed, false);
  assert.deepEqual(b.info.warnings, []);
  assert.equal(b.info.records, a.info.records);
  for (const key of ['size', 'stack', 'thread', 'allocTime', 'freeTime', 'reallocPrev', 'reallocNext'] as const) {
    assert.deepEqual(b.columns[key], a.columns[key], key);
  }
  assert.deepEqual(b.stacks, a.stacks);
  assert.deepEqual(b.frames, a.frames);
  assert.deepEqual(b.series, a.series);
  assert.deepEqual(b.marks, a.marks);
  assert.deepEqual(b.threads, a.threads);
  assert.equal(b.runtimeNs, a.runtimeNs);
});

test('a compressed recording cut in the middle loads a prefix with a truncation warning', () => {
  const { plain, zstd } = bigRecordings();
  const whole = loadSync(plain);
  const bytes = fs.readFileSync(zstd);
  const cutPath = file('big-cut.lhp');
  let previous = 0;
  for (const fraction of [0.1, 0.5, 0.9]) {
    fs.writeFileSync(cutPath, bytes.subarray(0, Math.floor(bytes.length * fraction)));
    const part = loadSync(cutPath);
    assert.equal(part.info.truncated, true);
    assert.equal(part.info.warnings.length, 1);
    assert.match(
      part.info.warnings[0],
      /is truncated after byte \d+ of its decompressed stream \(the recorder was killed\?\)/,
    );
    assert.ok(
      part.columns.count > previous && part.columns.count < whole.columns.count,
      `${fraction}: ${part.columns.count}`,
    );
    assertPrefix(part, whole, part.columns.count, `zstd cut at ${fraction}`);
    previous = part.columns.count;
  }
  // cut before its first block ends: nothing decompresses, not even the header
  fs.writeFileSync(cutPath, bytes.subarray(0, 1000));
  refused(cutPath, /is cut short inside its first zstd block: nothing can be read/);
});

test('a stream compressed as several concatenated zstd frames (one a flush) loads like the plain one', () => {
  requireZstd();
  const p = file('frames-src.lhp');
  simulate({ output: p, allocations: 5000, seed: 2 });
  const plain = fs.readFileSync(p);
  const { ends } = recordEnds(plain);
  const pieces = [0, ends[Math.floor(ends.length / 3)], ends[Math.floor((2 * ends.length) / 3)] - 1, plain.length];
  const frames = pieces
    .slice(1)
    .map((end, i) => spawnSync('zstd', ['-q', '-c'], { input: plain.subarray(pieces[i], end) }).stdout);
  fs.writeFileSync(file('frames.lhp'), Buffer.concat(frames));
  const a = loadSync(p);
  const b = loadSync(file('frames.lhp'));
  assert.equal(b.info.compressed, true);
  assert.deepEqual(b.info.warnings, []);
  assert.equal(b.info.records, a.info.records);
  assertPrefix(b, a, a.columns.count, 'three frames');
});

test('damaged or empty zstd streams are refused with one line', () => {
  const { zstd } = bigRecordings();
  const damaged = fs.readFileSync(zstd);
  for (let i = 0; i < 8; i++) damaged[100 + i] ^= 0x5a;
  fs.writeFileSync(file('zstd-damaged.lhp'), damaged);
  refused(file('zstd-damaged.lhp'), /corrupt: its zstd compression is damaged \(invalid zstd data\)$/);

  const emptyStream = spawnSync('zstd', ['-q', '-c'], { input: Buffer.alloc(0) }).stdout;
  assert.ok(emptyStream.length >= 4);
  fs.writeFileSync(file('zstd-empty.lhp'), emptyStream);
  refused(file('zstd-empty.lhp'), /is empty: no profile was recorded$/);

  const foreign = spawnSync('zstd', ['-q', '-c'], { input: Buffer.from('just some text, compressed\n') }).stdout;
  fs.writeFileSync(file('zstd-foreign.lhp'), foreign);
  refused(file('zstd-foreign.lhp'), /not a leakhound profile \(\.lhp\): wrong magic bytes$/);
});

// ---------------------------------------------------------------- compactness

test('compactness: bytes per allocation of a 100k-allocation recording (frees included) stay under measured bounds', (t) => {
  const { plain, zstd, allocations, frees } = bigRecordings();
  const plainBytes = fs.statSync(plain).size;
  const zstdBytes = fs.statSync(zstd).size;
  const perAlloc = plainBytes / allocations;
  const perEvent = plainBytes / (allocations + frees);
  const zstdPerAlloc = zstdBytes / allocations;
  t.diagnostic(
    `${allocations} allocations, ${frees} frees: ${plainBytes} bytes = ${perAlloc.toFixed(2)} B/allocation ` +
      `(${perEvent.toFixed(2)} B/event); zstd ${zstdBytes} bytes = ${zstdPerAlloc.toFixed(2)} B/allocation`,
  );
  // measured: 24.8 B/allocation (12.6 B/event) plain, 7.2 B/allocation with zstd -3
  assert.ok(perAlloc < 26, `${perAlloc.toFixed(2)} B/allocation`);
  assert.ok(perEvent < 13.5, `${perEvent.toFixed(2)} B/event`);
  assert.ok(zstdPerAlloc < 8, `${zstdPerAlloc.toFixed(2)} B/allocation compressed`);
});

// ---------------------------------------------------------------- symbols (1.1)

test('symbol records appended after the end resolve native frames, inlined calls becoming frames of their own', () => {
  const p = file('symbols.lhp');
  const w = LhpWriter.create(p, { recorder: 'native' });
  const leaf = w.frame({ function: '', address: 0x401234 });
  const caller = w.frame({ function: '', address: 0x401500 });
  const stack = w.stack([leaf, caller]);
  w.alloc(10, 0x1000, 64, stack, 1);
  w.finish(20);
  w.close();
  const strings = readEvents(p).events.filter((e) => e[0] === 'string').length;

  const a = LhpWriter.appendTo(p, strings + 1, { compressed: false });
  a.symbol(leaf, '/bin/app', [
    { function: 'make_entry', file: 'entry.h', line: 12 },
    { function: 'add_entry', file: 'table.c', line: 40 },
  ]);
  a.symbol(caller, '/bin/app', [{ function: 'main', file: 'main.c', line: 7 }]);
  a.close();

  const { events, result } = readEvents(p);
  assert.ok(result.clean && !result.truncated);
  assert.deepEqual(
    events.filter((e) => e[0] === 'symbol').map((e) => [e[1], (e[3] as number[]).length / 3]),
    [
      [leaf, 2],
      [caller, 1],
    ],
  );
  const profile = loadSync(p);
  const frames = profile.backtrace(stack).frames.map((f) => `${f.function} ${f.file}:${f.line} ${f.module}`);
  assert.deepEqual(frames, [
    'make_entry entry.h:12 /bin/app',
    'add_entry table.c:40 /bin/app',
    'main main.c:7 /bin/app',
  ]);
  assert.deepEqual(profile.info.warnings, []);
});

test('a symbol record for a frame never defined is refused', () => {
  const p = file('symbols-bad.lhp');
  const w = LhpWriter.create(p, { recorder: 'native' });
  w.finish(1);
  w.close();
  const a = LhpWriter.appendTo(p, 1, { compressed: false });
  a.symbol(7, '/bin/app', [{ function: 'f', file: '', line: 0 }]);
  a.close();
  refused(p, /corrupt: a symbol record refers to frame 7, never defined/);
});

test('definitionsOnly skips the event records undecoded, counting the allocations', () => {
  const p = file('definitions-only.lhp');
  simulate({ output: p, allocations: 5000, seed: 2 });
  const all = readEvents(p).events;
  const events: string[] = [];
  const kinds = [
    'string',
    'frame',
    'stack',
    'alloc',
    'free',
    'realloc',
    'sample',
    'mark',
    'thread',
    'process',
    'module',
    'end',
    'symbol',
  ];
  const visitor = Object.fromEntries(kinds.map((k) => [k, () => events.push(k)])) as unknown as LhpVisitor;
  const result = readLhp(p, visitor, { definitionsOnly: true });
  const skipped = new Set(['alloc', 'free', 'realloc', 'sample', 'mark']);
  assert.deepEqual(
    events,
    all.map((e) => e[0]).filter((k) => !skipped.has(k as string)),
  );
  assert.equal(result.skippedAllocations, all.filter((e) => e[0] === 'alloc' || e[0] === 'realloc').length);
  assert.ok(result.skippedAllocations >= 5000);
});

test('records appended to a compressed stream go in a stored zstd frame that any zstd reads', () => {
  const p = file('symbols-zstd.lhp');
  const w = LhpWriter.create(p, { recorder: 'native' }, { compress: true });
  const frame = w.frame({ function: '', address: 0x401234 });
  w.alloc(10, 0x1000, 64, w.stack([frame]), 1);
  w.finish(20);
  w.close();
  const strings = readEvents(p).events.filter((e) => e[0] === 'string').length;
  const a = LhpWriter.appendTo(p, strings + 1, { compressed: true });
  a.symbol(frame, '/bin/app', [{ function: 'make_entry', file: 'entry.c', line: 3 }]);
  a.close();

  const profile = loadSync(p);
  assert.ok(profile.info.compressed);
  assert.equal(profile.backtrace(0).frames[0].function, 'make_entry');
  const z = spawnSync('zstd', ['-t', '-q', p], { encoding: 'utf8' });
  assert.equal(z.status, 0, `zstd -t: ${z.stderr}`);
});
