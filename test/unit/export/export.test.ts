/**
 * `leakhound export`: each format is written through the CLI and read back with a
 * reader other than the writer — pprof with protobufjs and the published
 * profile.proto schema, speedscope with ajv and the schema speedscope ships, the
 * collapsed text parsed here, Parquet with hyparquet (the writer's companion reader,
 * which it builds on) and with @dsnp/parquetjs, which shares nothing with it: every
 * row of both files — and the totals are compared with the query API's. `go tool pprof` reads the pprof file too when Go
 * is installed (apt-get install golang-go).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import Ajv from 'ajv';
import * as protobuf from 'protobufjs';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import type { Profile } from '../../../src/api/profile';
import { simulate } from '../../../src/simulate/simulate';
import { ROOT, runCli, tmpDir } from '../../helpers/helpers';

const dir = tmpDir('leakhound-export-');
const demo = path.join(dir, 'demo.lhp');
let p: Profile;
let expected: {
  leakedBytes: number;
  leakedCount: number;
  allocatedBytes: number;
  allocatedCount: number;
  sessionLeakedBytes: number;
};

before(() => {
  simulate({ output: demo, allocations: 50_000, seed: 1 });
  p = loadSync(demo, { progress: false });
  const all = p.allocations();
  const leaked = all.onlyLeaked();
  expected = {
    leakedBytes: leaked.size(),
    leakedCount: leaked.len(),
    allocatedBytes: all.size(),
    allocatedCount: all.len(),
    sessionLeakedBytes: leaked.onlyPassingThroughFunction(/^session_new$/).size(),
  };
  assert.ok(expected.leakedCount > 0 && expected.sessionLeakedBytes > 0);
});

/** Runs `leakhound export …`, expecting success. */
function exportOk(args: string[]): string {
  const r = runCli(['export', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const names = (frames: readonly { function: string; address: number }[]): string[] =>
  frames.map((f) => f.function || (f.address ? `0x${f.address.toString(16)}` : '??'));

// ---------------------------------------------------------------------------------
// pprof

interface PprofJson {
  sampleType: { type: number; unit: number }[];
  sample: { locationId: number[]; value: number[] }[];
  mapping: { id: number; filename: number; hasFunctions: boolean }[];
  location: { id: number; mappingId: number; address: number; line: { functionId: number; line: number }[] }[];
  function: { id: number; name: number; systemName: number; filename: number; startLine: number }[];
  stringTable: string[];
  dropFrames: number;
  timeNanos: number;
  durationNanos: number;
  periodType: { type: number; unit: number };
  period: number;
  defaultSampleType: number;
  comment: number[];
}

const profileType = protobuf
  .loadSync(path.join(ROOT, 'test', 'fixtures', 'interop', 'profile.proto'))
  .lookupType('perftools.profiles.Profile');

function decodePprof(file: string): PprofJson {
  const raw = fs.readFileSync(file);
  assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b], 'gzipped, as pprof files are');
  const message = profileType.decode(gunzipSync(raw));
  return profileType.toObject(message, { longs: Number, defaults: true, arrays: true }) as PprofJson;
}

/** Each sample's stack as function names, leaf first. */
function pprofStacks(pb: PprofJson): string[][] {
  const locations = new Map(pb.location.map((l) => [l.id, l]));
  const functions = new Map(pb.function.map((f) => [f.id, f]));
  return pb.sample.map((s) =>
    s.locationId.flatMap((id) => {
      const loc = locations.get(id);
      assert.ok(loc, `location ${id} exists`);
      return loc.line.map((l) => pb.stringTable[functions.get(l.functionId)!.name]);
    }),
  );
}

describe('export --format pprof', () => {
  let pb: PprofJson;
  let file: string;
  before(() => {
    const r = runCli(['export', demo, '--format', 'pprof']);
    assert.equal(r.code, 0, r.stderr);
    file = path.join(dir, 'demo.pb.gz');
    assert.match(r.stderr, /^leakhound: wrote .*demo\.pb\.gz \(\d+(\.\d+)? (B|KiB)\)\n$/);
    pb = decodePprof(file);
  });

  test('four sample types in order, inuse_space the default; period, times and a comment', () => {
    const s = pb.stringTable;
    assert.equal(s[0], '');
    assert.deepEqual(
      pb.sampleType.map((t) => [s[t.type], s[t.unit]]),
      [
        ['inuse_space', 'bytes'],
        ['inuse_objects', 'count'],
        ['alloc_space', 'bytes'],
        ['alloc_objects', 'count'],
      ],
    );
    assert.equal(s[pb.defaultSampleType], 'inuse_space');
    assert.deepEqual([s[pb.periodType.type], s[pb.periodType.unit]], ['space', 'bytes']);
    assert.equal(pb.period, 1);
    assert.equal(pb.timeNanos, Date.parse(p.header.startWallTime) * 1e6);
    assert.equal(pb.durationNanos, p.runtimeNs);
    assert.match(s[pb.comment[0]], /^leakhound .* export of demo\.lhp: demo-server --port 8080$/);
  });

  test('totals equal the query API: in use = onlyLeaked(), alloc = every allocation', () => {
    const total = (k: number) => sum(pb.sample.map((x) => x.value[k]));
    assert.equal(total(0), expected.leakedBytes);
    assert.equal(total(1), expected.leakedCount);
    assert.equal(total(2), expected.allocatedBytes);
    assert.equal(total(3), expected.allocatedCount);
  });

  test('whole stacks, leaf first: one sample per stack, every id defined', () => {
    const stackNames = pprofStacks(pb)
      .map((x) => x.join(' < '))
      .sort();
    const fromProfile = p.stacks
      .map((_, id) => id)
      .filter(
        (id) =>
          p
            .allocations()
            .where((i) => p.columns.stack[i] === id)
            .len() > 0,
      )
      .map((id) => names(p.backtrace(id).frames).join(' < '))
      .sort();
    assert.deepEqual(stackNames, fromProfile);
    assert.ok(stackNames.some((x) => x.startsWith('malloc < xmalloc < session_new < handle_login')));
    const mappings = new Set(pb.mapping.map((m) => m.id));
    for (const l of pb.location) assert.ok(mappings.has(l.mappingId), `location ${l.id} has a mapping`);
    assert.equal(pb.stringTable[pb.mapping[0].filename], '/usr/local/bin/demo-server', 'the main binary first');
    assert.ok(pb.mapping.every((m) => m.hasFunctions));
  });

  test('session_new is a function of src/session.c, at line 57', () => {
    const s = pb.stringTable;
    const fn = pb.function.find((f) => s[f.name] === 'session_new');
    assert.ok(fn);
    assert.equal(s[fn.filename], 'src/session.c');
    const lines = pb.location.flatMap((l) => l.line).filter((l) => l.functionId === fn.id);
    assert.deepEqual([...new Set(lines.map((l) => l.line))], [57]);
  });

  test("drop_frames names the allocator frames, not the program's", () => {
    const drop = new RegExp(`^(${pb.stringTable[pb.dropFrames]})$`);
    for (const f of ['malloc', 'calloc', 'realloc', 'xmalloc', 'operator new']) assert.match(f, drop);
    for (const f of ['session_new', 'cache_insert', 'main', 'worker_main', 'clone3', '_start'])
      assert.doesNotMatch(f, drop);
  });

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  test('go tool pprof reads it: session_new and cache_insert lead the in-use bytes, not malloc', {
    skip: go.status !== 0 && 'no go on PATH (apt-get install golang-go): read with protobufjs only',
  }, () => {
    const r = spawnSync('go', ['tool', 'pprof', '-top', file], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Type: inuse_space/);
    const flat = [...r.stdout.matchAll(/^\s*\S+\s+[\d.]+%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(\S.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(flat.slice(0, 3).sort(), ['cache_insert', 'pool_grow', 'session_new']);
    assert.ok(!flat.includes('malloc') && !flat.includes('xmalloc'), r.stdout);
  });
});

// ---------------------------------------------------------------------------------
// speedscope

interface SpeedscopeJson {
  $schema: string;
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: {
    type: string;
    name: string;
    unit: string;
    startValue: number;
    endValue: number;
    samples: number[][];
    weights: number[];
  }[];
  activeProfileIndex: number;
}

const speedscopeSchema = JSON.parse(
  fs.readFileSync(require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8'),
) as object;
const validateSpeedscope = new Ajv({ allErrors: true }).compile(speedscopeSchema);

describe('export --format speedscope', () => {
  let file: SpeedscopeJson;
  before(() => {
    exportOk([demo, '--format', 'speedscope']);
    const text = fs.readFileSync(path.join(dir, 'demo.speedscope.json'), 'utf8');
    file = JSON.parse(text) as SpeedscopeJson;
  });

  test('valid against the schema speedscope ships', () => {
    assert.ok(validateSpeedscope(file), JSON.stringify(validateSpeedscope.errors));
    assert.equal(file.$schema, 'https://www.speedscope.app/file-format-schema.json');
  });

  test('four sampled profiles over shared frames; totals equal the query API', () => {
    assert.deepEqual(
      file.profiles.map((x) => [x.type, x.name, x.unit]),
      [
        ['sampled', 'leaked bytes (never freed)', 'bytes'],
        ['sampled', 'allocated bytes', 'bytes'],
        ['sampled', 'leaked allocations', 'none'],
        ['sampled', 'allocations', 'none'],
      ],
    );
    assert.equal(file.activeProfileIndex, 0);
    const totals = [expected.leakedBytes, expected.allocatedBytes, expected.leakedCount, expected.allocatedCount];
    file.profiles.forEach((x, i) => {
      assert.equal(sum(x.weights), totals[i], x.name);
      assert.equal(x.endValue - x.startValue, totals[i], x.name);
      assert.equal(x.samples.length, x.weights.length);
      for (const s of x.samples) for (const f of s) assert.ok(f >= 0 && f < file.shared.frames.length);
    });
  });

  test('stripped stacks, root first: session_new is the leaf of its stack, with its file and line', () => {
    const frames = file.shared.frames;
    const session = frames.findIndex((f) => f.name === 'session_new');
    assert.deepEqual(frames[session], { name: 'session_new', file: 'src/session.c', line: 57 });
    const leaked = file.profiles[0];
    const i = leaked.samples.findIndex((s) => s[s.length - 1] === session);
    assert.ok(i >= 0);
    assert.deepEqual(
      leaked.samples[i].map((f) => frames[f].name),
      ['worker_main', 'dispatch_request', 'handle_login', 'session_new'],
    );
    assert.equal(leaked.weights[i], expected.sessionLeakedBytes);
    assert.ok(!frames.some((f) => f.name === 'malloc'), 'allocator frames are stripped');
  });

  test('--no-strip keeps the allocator and start-up frames', () => {
    const out = path.join(dir, 'full.speedscope.json');
    exportOk([demo, '--format', 'speedscope', '--no-strip', '-o', out]);
    const full = JSON.parse(fs.readFileSync(out, 'utf8')) as SpeedscopeJson;
    assert.ok(validateSpeedscope(full));
    const stack = full.profiles[0].samples
      .map((s) => s.map((f) => full.shared.frames[f].name))
      .find((s) => s.includes('session_new'));
    assert.deepEqual(stack, [
      'clone3',
      'start_thread',
      'worker_main',
      'dispatch_request',
      'handle_login',
      'session_new',
      'xmalloc',
      'malloc',
    ]);
  });
});

// ---------------------------------------------------------------------------------
// collapsed

function parseCollapsed(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  assert.ok(text.endsWith('\n'));
  for (const line of text.slice(0, -1).split('\n')) {
    const m = /^(\S(?:.*\S)?) (\d+)$/.exec(line);
    assert.ok(m, `a folded line: ${JSON.stringify(line)}`);
    assert.ok(!lines.has(m[1]), 'each stack once');
    lines.set(m[1], Number(m[2]));
  }
  return lines;
}

describe('export --format collapsed', () => {
  test('root-first stacks valued by leaked bytes (default), to stdout with -o -', () => {
    const lines = parseCollapsed(exportOk([demo, '--format', 'collapsed', '-o', '-']));
    assert.equal(sum([...lines.values()]), expected.leakedBytes);
    assert.equal(lines.get('worker_main;dispatch_request;handle_login;session_new'), expected.sessionLeakedBytes);
    assert.deepEqual([...lines.keys()], [...lines.keys()].sort(), 'sorted');
    assert.ok(![...lines.keys()].some((k) => /(^|;)(malloc|xmalloc|clone3)(;|$)/.test(k)), 'stripped');
  });

  test('the default output file; --value allocated, leaked-count, allocated-count', () => {
    exportOk([demo, '--format', 'collapsed']);
    assert.equal(
      sum([...parseCollapsed(fs.readFileSync(path.join(dir, 'demo.collapsed'), 'utf8')).values()]),
      expected.leakedBytes,
    );
    const total = (value: string) =>
      sum([...parseCollapsed(exportOk([demo, '-f', 'collapsed', '--value', value, '-o', '-'])).values()]);
    assert.equal(total('allocated'), expected.allocatedBytes);
    assert.equal(total('leaked-count'), expected.leakedCount);
    assert.equal(total('allocated-count'), expected.allocatedCount);
  });

  test('--no-strip: whole stacks, from the thread start to malloc', () => {
    const lines = parseCollapsed(exportOk([demo, '-f', 'collapsed', '--no-strip', '-o', '-']));
    assert.equal(
      lines.get('clone3;start_thread;worker_main;dispatch_request;handle_login;session_new;xmalloc;malloc'),
      expected.sessionLeakedBytes,
    );
  });
});

// ---------------------------------------------------------------------------------
// parquet

type Row = Record<string, unknown>;

async function readParquet(file: string): Promise<{ rows: Row[]; kv: Map<string, string> }> {
  // asyncBufferFromFile is in hyparquet's node entry point, which moduleResolution "node" does not see
  type Hyparquet = typeof import('hyparquet') & {
    asyncBufferFromFile(file: string): Promise<import('hyparquet').AsyncBuffer>;
  };
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = (await import(
    'hyparquet'
  )) as unknown as Hyparquet;
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const rows = (await parquetReadObjects({ file: buffer, metadata })) as Row[];
  return {
    rows,
    kv: new Map(
      (metadata.key_value_metadata ?? []).map((e: { key: string; value?: string }) => [e.key, e.value ?? '']),
    ),
  };
}

describe('export --format parquet', () => {
  let allocations: Row[];
  let stacks: Row[];
  let kv: Map<string, string>;
  const out = path.join(dir, 'out.parquet');
  const stacksFile = path.join(dir, 'out.stacks.parquet');
  before(async () => {
    const r = runCli(['export', demo, '--format', 'parquet', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^leakhound: wrote .*out\.parquet \(.*\) and .*out\.stacks\.parquet \(.*\)\n$/);
    ({ rows: allocations, kv } = await readParquet(out));
    ({ rows: stacks } = await readParquet(stacksFile));
  });

  test('one row per allocation: index, size, weight, times in ns (free null when leaked), stack, thread', () => {
    assert.equal(allocations.length, expected.allocatedCount);
    assert.deepEqual(Object.keys(allocations[0]), [
      'index',
      'size',
      'weight',
      'alloc_time_ns',
      'free_time_ns',
      'stack_id',
      'thread_id',
      'thread_name',
    ]);
    assert.equal(sum(allocations.map((a) => Number(a.size))), expected.allocatedBytes);
    const leaked = allocations.filter((a) => a.free_time_ns === null);
    assert.equal(leaked.length, expected.leakedCount);
    assert.equal(sum(leaked.map((a) => Number(a.weight))), expected.leakedBytes);
    const c = p.columns;
    allocations.forEach((a, i) => {
      assert.equal(a.index, i);
      assert.equal(typeof a.alloc_time_ns, 'bigint', 'INT64 (BIGINT)');
      assert.equal(Number(a.alloc_time_ns), c.allocTime[i]);
      assert.equal(a.free_time_ns === null ? Infinity : Number(a.free_time_ns), c.freeTime[i]);
      assert.equal(a.stack_id, c.stack[i]);
      assert.equal(a.thread_id, p.threads[c.thread[i]].tid);
      assert.equal(a.thread_name, p.threads[c.thread[i]].name);
    });
    assert.equal(kv.get('leakhound.source'), 'demo.lhp');
    assert.equal(kv.get('leakhound.runtime_ns'), String(p.runtimeNs));
    assert.equal(kv.get('leakhound.start_wall_time'), p.header.startWallTime);
  });

  test('the stacks table: one row per frame, innermost first, program_depth 0 at the function that allocated', () => {
    assert.deepEqual(Object.keys(stacks[0]), [
      'stack_id',
      'depth',
      'program_depth',
      'function',
      'file',
      'line',
      'module',
      'address',
    ]);
    const byStack = new Map<number, Row[]>();
    for (const r of stacks) byStack.set(r.stack_id as number, [...(byStack.get(r.stack_id as number) ?? []), r]);
    assert.equal(byStack.size, p.stacks.length);
    for (const [id, rows] of byStack) {
      assert.deepEqual(
        rows.map((r) => r.depth),
        rows.map((_, d) => d),
      );
      assert.deepEqual(
        rows.map((r) => r.function),
        names(p.backtrace(id).frames),
      );
      const own = p.backtrace(id).strip().frames;
      assert.deepEqual(
        rows.filter((r) => r.program_depth !== null).map((r) => r.function),
        names(own),
      );
    }
    const session = stacks.find((r) => r.function === 'session_new')!;
    assert.deepEqual(
      { ...session, stack_id: 0 },
      {
        stack_id: 0,
        depth: 2,
        program_depth: 0,
        function: 'session_new',
        file: 'src/session.c',
        line: 57,
        module: '/usr/local/bin/demo-server',
        address: null,
      },
    );
    const malloc = stacks.find((r) => r.function === 'malloc')!;
    assert.equal(malloc.program_depth, null);
    assert.equal(malloc.file, null);
    assert.equal(malloc.line, null);
  });

  test('joined on stack_id: leaked bytes per allocating function equal the query API', () => {
    const site = new Map<number, string>();
    for (const r of stacks) if (r.program_depth === 0) site.set(r.stack_id as number, r.function as string);
    const leakedBySite = new Map<string, number>();
    for (const a of allocations) {
      if (a.free_time_ns !== null) continue;
      const f = site.get(a.stack_id as number) ?? '';
      leakedBySite.set(f, (leakedBySite.get(f) ?? 0) + Number(a.weight));
    }
    assert.equal(leakedBySite.get('session_new'), expected.sessionLeakedBytes);
    assert.equal(sum([...leakedBySite.values()]), expected.leakedBytes);
  });

  test('@dsnp/parquetjs, which shares nothing with the writer, reads every allocation and the stacks table alike', async () => {
    const parquetjs = require('@dsnp/parquetjs') as {
      ParquetReader: {
        openFile(f: string): Promise<{
          getCursor(): { next(): Promise<Row | null> };
          getRowCount(): { toNumber(): number };
          getMetadata(): Record<string, string>;
          getSchema(): {
            fields: Record<
              string,
              { name: string; primitiveType?: string; originalType?: string; repetitionType: string }
            >;
          };
          close(): Promise<void>;
        }>;
      };
    };
    const footer = await parquetjs.ParquetReader.openFile(out);
    assert.equal(footer.getRowCount().toNumber(), expected.allocatedCount);
    assert.deepEqual(
      Object.values(footer.getSchema().fields).map((f) => [
        f.name,
        f.primitiveType,
        f.originalType ?? null,
        f.repetitionType,
      ]),
      [
        ['index', 'INT32', null, 'REQUIRED'],
        ['size', 'INT64', null, 'REQUIRED'],
        ['weight', 'INT64', null, 'REQUIRED'],
        ['alloc_time_ns', 'INT64', null, 'REQUIRED'],
        ['free_time_ns', 'INT64', null, 'OPTIONAL'],
        ['stack_id', 'INT32', null, 'REQUIRED'],
        ['thread_id', 'INT32', null, 'REQUIRED'],
        ['thread_name', 'BYTE_ARRAY', 'UTF8', 'REQUIRED'],
      ],
    );
    assert.deepEqual(footer.getMetadata(), Object.fromEntries(kv));
    assert.deepEqual(JSON.parse(footer.getMetadata()['leakhound.threads']), p.threads);
    let count = 0;
    let leaked = 0;
    let bytes = 0;
    const allocations = footer.getCursor();
    for (let r = await allocations.next(); r; r = await allocations.next()) {
      count++;
      bytes += Number(r.weight);
      if (r.free_time_ns === null || r.free_time_ns === undefined) leaked++;
    }
    assert.deepEqual(
      { count, leaked, bytes },
      { count: expected.allocatedCount, leaked: expected.leakedCount, bytes: expected.allocatedBytes },
    );
    await footer.close();

    const reader = await parquetjs.ParquetReader.openFile(stacksFile);
    const cursor = reader.getCursor();
    const rows: Row[] = [];
    for (let r = await cursor.next(); r; r = await cursor.next()) rows.push(r);
    await reader.close();
    const norm = (r: Row) =>
      JSON.stringify([
        r.stack_id,
        r.depth,
        r.program_depth ?? null,
        r.function,
        r.file ?? null,
        r.line ?? null,
        r.module ?? null,
      ]);
    assert.deepEqual(rows.map(norm), stacks.map(norm));
  });
});

// ---------------------------------------------------------------------------------
// what the simulated profile does not have: weights, unsymbolized frames, odd names

describe('edge cases: sampled weights, an unsymbolized frame, a ";" in a name, a stack with no frame', () => {
  const file = path.join(dir, 'edge.lhp');
  before(() => {
    const w = LhpWriter.create(file, { recorder: 'test', command: ['edge'] });
    w.thread(7, 'main');
    const frames = [
      w.frame({ function: 'malloc', module: '/lib/libc.so.6' }),
      w.frame({ function: '', address: 0x7f0012345678, module: '/opt/libodd.so' }),
      w.frame({ function: 'odd<a;b>::make', file: 'odd.cc', line: 12, module: '/opt/edge' }),
      w.frame({ function: 'main', file: 'main.cc', line: 3, module: '/opt/edge' }),
    ];
    const stack = w.stack(frames);
    const empty = w.stack([]);
    w.alloc(1000, 0x10, 16, stack, 7, 4096); // stands for 4 KiB
    w.alloc(2000, 0x20, 32, stack, 7, 8192);
    w.free(3000, 0x20);
    w.alloc(4000, 0x30, 100, empty, 7);
    w.finish(5000);
    w.close();
  });

  test('collapsed: weights, the address in hex, ";" replaced, [unknown] for no frame', () => {
    const lines = parseCollapsed(exportOk([file, '-f', 'collapsed', '-o', '-']));
    assert.deepEqual(
      [...lines],
      [
        ['[unknown]', 100],
        ['main;odd<a:b>::make;0x7f0012345678', 4096],
      ],
    );
  });

  test('pprof: weighted values, the unsymbolized location keeps its address', () => {
    exportOk([file, '-f', 'pprof']);
    const pb = decodePprof(path.join(dir, 'edge.pb.gz'));
    assert.deepEqual(
      [0, 1, 2, 3].map((k) => sum(pb.sample.map((x) => x.value[k]))),
      [4096 + 100, 2, 4096 + 8192 + 100, 3],
    );
    assert.ok(
      pb.sample.some((x) => x.locationId.length === 0),
      'the frameless stack is a sample with no location',
    );
    const odd = pb.location.find((l) => l.address === 0x7f0012345678)!;
    assert.equal(pb.stringTable[pb.function.find((f) => f.id === odd.line[0].functionId)!.name], '0x7f0012345678');
    assert.equal(pb.stringTable[pb.mapping.find((m) => m.id === odd.mappingId)!.filename], '/opt/libodd.so');
    assert.equal(pb.stringTable[pb.mapping[0].filename], '/opt/edge', 'the main binary first');
  });

  test('speedscope: valid, weighted', () => {
    exportOk([file, '-f', 'speedscope']);
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'edge.speedscope.json'), 'utf8')) as SpeedscopeJson;
    assert.ok(validateSpeedscope(s), JSON.stringify(validateSpeedscope.errors));
    assert.deepEqual(
      s.profiles.map((x) => x.endValue),
      [4196, 12388, 2, 3],
    );
    assert.ok(
      s.shared.frames.some((f) => f.name === 'odd<a;b>::make'),
      'JSON needs no escaping of its own',
    );
  });

  test('parquet: size and weight apart; the address as a BIGINT', async () => {
    const out = path.join(dir, 'edge.parquet');
    exportOk([file, '-f', 'parquet']);
    const { rows } = await readParquet(out);
    assert.deepEqual(
      rows.map((r) => [r.size, r.weight, r.free_time_ns]),
      [
        [16n, 4096n, null],
        [32n, 8192n, 3000n],
        [100n, 100n, null],
      ],
    );
    const { rows: frames } = await readParquet(path.join(dir, 'edge.stacks.parquet'));
    assert.deepEqual(frames.find((r) => r.depth === 1)!.address, 0x7f0012345678n);
    assert.deepEqual(
      frames.map((r) => r.program_depth),
      [null, 0, 1, 2],
    );
  });
});

// ---------------------------------------------------------------------------------
// bad input

describe('export: bad input is one line, and no file is left half written', () => {
  test('a missing or corrupt recording: exit 1', () => {
    const missing = runCli(['export', path.join(dir, 'nope.lhp'), '-f', 'pprof']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^leakhound: .*nope\.lhp.*\n$/);
    const corrupt = path.join(dir, 'corrupt.lhp');
    fs.writeFileSync(corrupt, 'not a recording at all');
    const bad = runCli(['export', corrupt, '-f', 'speedscope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^leakhound: .*corrupt\.lhp.*\n$/);
    assert.ok(!fs.existsSync(path.join(dir, 'corrupt.speedscope.json')));
  });

  test('an output that cannot be written: exit 1, named in one line', () => {
    for (const format of ['pprof', 'collapsed', 'speedscope', 'parquet']) {
      const r = runCli(['export', demo, '-f', format, '-o', `/nonexistent/dir/x.${format}`]);
      assert.equal(r.code, 1, format);
      assert.match(r.stderr, new RegExp(`^leakhound: cannot write /nonexistent/dir/x\\.${format}: ENOENT\\n$`));
    }
    const blocked = path.join(dir, 'blocked');
    fs.mkdirSync(path.join(blocked, 'x.stacks.parquet'), { recursive: true }); // a directory where a file must go
    const r = runCli(['export', demo, '-f', 'parquet', '-o', path.join(blocked, 'x.parquet')]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^leakhound: cannot write .*blocked\/x\.stacks\.parquet: it is a directory, not a regular file\n$/,
    );
    assert.deepEqual(fs.readdirSync(blocked), ['x.stacks.parquet'], 'neither file, and no temporary, is left');
    const over = runCli(['export', demo, '-f', 'collapsed', '-o', demo]);
    assert.equal(over.code, 1);
    assert.match(over.stderr, /^leakhound: refusing to write the export over the recording .*demo\.lhp\n$/);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('usage errors: exit 2', () => {
    const unknown = runCli(['export', demo, '--format', 'svg']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /argument 'svg' is invalid\. Allowed choices are pprof, speedscope, collapsed, parquet/,
    );
    assert.equal(runCli(['export', demo]).code, 2, 'no --format');
    const value = runCli(['export', demo, '-f', 'pprof', '--value', 'allocated']);
    assert.equal(value.code, 2);
    assert.match(value.stderr, /--value applies to --format collapsed only/);
    const stdout = runCli(['export', demo, '-f', 'parquet', '-o', '-']);
    assert.equal(stdout.code, 2);
    assert.match(stdout.stderr, /parquet writes two files/);
    assert.equal(runCli(['export', demo, '-f', 'collapsed', '--value', 'nope']).code, 2);
    const strip = runCli(['export', demo, '-f', 'pprof', '--no-strip']);
    assert.equal(strip.code, 2);
    assert.match(strip.stderr, /--no-strip applies to collapsed and speedscope: pprof keeps whole stacks/);
  });
});
