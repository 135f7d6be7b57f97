import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource, SchemaElement } from 'hyparquet-writer';
import type { Profile } from '../profile/profile';
import { programRange } from '../profile/backtrace';
import { frameName } from '../profile/frames';

const { version } = require('../../package.json') as { version: string };

/**
 * Rows per row group, converted and written one group at a time: memory stays
 * bounded for any number of allocations, and engines such as DuckDB read row
 * groups in parallel.
 */
const ROW_GROUP = 1 << 18;

/** One row per allocation, in recording order (the query API's `index`). */
const ALLOCATION_SCHEMA: SchemaElement[] = [
  { name: 'allocations', num_children: 8 },
  { name: 'index', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'size', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'weight', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'alloc_time_ns', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'free_time_ns', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'stack_id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'thread_id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'thread_name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
];

/** One row per frame of each stack, innermost first. */
const STACK_SCHEMA: SchemaElement[] = [
  { name: 'stacks', num_children: 8 },
  { name: 'stack_id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'depth', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'program_depth', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'function', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'file', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'line', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'module', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'address', type: 'INT64', repetition_type: 'OPTIONAL' },
];

/**
 * Two Parquet files: the allocations (`allocationsPath`: one row per allocation —
 * index, size, weight, alloc and free time in nanoseconds since the start (free
 * null when never freed), stack id, thread) and the stacks (`stacksPath`: one row per
 * frame — stack id, depth (0 = innermost), program_depth (0 = the function that
 * decided to allocate, null for the allocator and start-up frames `strip()` removes),
 * function (its hex address when unsymbolized), file, line, module, address), joined
 * on stack_id. Written from the columns a row group at a time.
 */
export function writeParquet(
  profile: Profile,
  source: string,
  allocationsPath: string,
  stacksPath: string,
): { rows: number; stackRows: number } {
  const rows = writeAllocations(profile, source, allocationsPath);
  const stackRows = writeStacks(profile, stacksPath);
  return { rows, stackRows };
}

function writeAllocations(profile: Profile, source: string, file: string): number {
  const c = profile.columns;
  const weight = c.weight ?? c.size;
  const tids = Int32Array.from(profile.threads, (t) => t.tid);
  const names = profile.threads.map((t) => t.name);
  const metadata = [
    { key: 'leakhound.source', value: path.basename(source) },
    { key: 'leakhound.recorder', value: profile.header.recorder },
    { key: 'leakhound.command', value: JSON.stringify(profile.header.command ?? []) },
    { key: 'leakhound.start_wall_time', value: profile.header.startWallTime ?? '' },
    { key: 'leakhound.runtime_ns', value: String(Math.round(profile.runtimeNs)) },
    { key: 'leakhound.threads', value: JSON.stringify(profile.threads) },
  ];
  withParquetFile(file, ALLOCATION_SCHEMA, metadata, (pq) => {
    for (let start = 0; start < c.count; start += ROW_GROUP) {
      const end = Math.min(start + ROW_GROUP, c.count);
      const n = end - start;
      const index = new Int32Array(n);
      const size = new BigInt64Array(n);
      const w = new BigInt64Array(n);
      const allocTime = new BigInt64Array(n);
      const freeTime: (bigint | null)[] = new Array(n);
      const tid = new Int32Array(n);
      const threadName: string[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const i = start + k;
        index[k] = i;
        // whole numbers in every recording; rounded all the same, as BigInt() refuses fractions
        size[k] = BigInt(Math.round(c.size[i]));
        w[k] = BigInt(Math.round(weight[i]));
        allocTime[k] = BigInt(Math.round(c.allocTime[i]));
        const f = c.freeTime[i];
        freeTime[k] = f === Infinity ? null : BigInt(Math.round(f));
        const t = c.thread[i];
        tid[k] = tids[t] ?? 0;
        threadName[k] = names[t] ?? '';
      }
      // stack ids are far below 2^31: the Uint32 column reads as Int32 unchanged
      const stack = new Int32Array(c.stack.buffer, c.stack.byteOffset + start * 4, n);
      // PLAIN, not DELTA_BINARY_PACKED (which would make the file about 40 % smaller):
      // not every reader decodes delta pages (@dsnp/parquetjs does not). Statistics (min, max, nulls: what lets a reader skip row groups) only where a
      // time window or a leak filter can use them: they cost a comparison per value.
      const columns: ColumnSource[] = [
        { name: 'index', data: index, encoding: 'PLAIN' },
        { name: 'size', data: size, statistics: false },
        { name: 'weight', data: w, statistics: false },
        { name: 'alloc_time_ns', data: allocTime, encoding: 'PLAIN' },
        // no dictionary: free times are nearly all distinct, and trying one costs time
        { name: 'free_time_ns', data: freeTime, encoding: 'PLAIN' },
        { name: 'stack_id', data: stack, statistics: false },
        { name: 'thread_id', data: tid, statistics: false },
        { name: 'thread_name', data: threadName, statistics: false },
      ];
      pq.write({ columnData: columns, rowGroupSize: ROW_GROUP });
    }
  });
  return c.count;
}

function writeStacks(profile: Profile, file: string): number {
  const stackId: number[] = [];
  const depth: number[] = [];
  const programDepth: (number | null)[] = [];
  const fn: string[] = [];
  const source: (string | null)[] = [];
  const line: (number | null)[] = [];
  const module: (string | null)[] = [];
  const address: (bigint | null)[] = [];
  for (let id = 0; id < profile.stacks.length; id++) {
    const frames = profile.backtrace(id).frames;
    const { from, to } = programRange(frames);
    for (let d = 0; d < frames.length; d++) {
      const f = frames[d];
      stackId.push(id);
      depth.push(d);
      programDepth.push(d >= from && d < to ? d - from : null);
      fn.push(frameName(f));
      source.push(f.file || null);
      line.push(f.line || null);
      module.push(f.module || null);
      address.push(f.address ? BigInt(f.address) : null);
    }
  }
  withParquetFile(file, STACK_SCHEMA, [], (pq) => {
    pq.write({
      columnData: [
        { name: 'stack_id', data: Int32Array.from(stackId) },
        { name: 'depth', data: Int32Array.from(depth) },
        { name: 'program_depth', data: programDepth },
        { name: 'function', data: fn },
        { name: 'file', data: source },
        { name: 'line', data: line },
        { name: 'module', data: module },
        { name: 'address', data: address },
      ],
      rowGroupSize: Math.max(1, stackId.length),
    });
  });
  return stackId.length;
}

/** Flushes to the file every megabyte and after each row group: the file is written as it is encoded. */
class FileByteWriter extends ByteWriter {
  private static readonly CHUNK = 1 << 20;

  constructor(private readonly fd: number) {
    super(FileByteWriter.CHUNK * 2);
  }

  override ensure(size: number): void {
    if (this.index > FileByteWriter.CHUNK) this.flush();
    super.ensure(size);
  }

  flush(): void {
    if (this.index > 0) fs.writeSync(this.fd, new Uint8Array(this.buffer, 0, this.index));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

function withParquetFile(
  file: string,
  schema: SchemaElement[],
  kvMetadata: { key: string; value: string }[],
  write: (pq: ParquetWriter) => void,
): void {
  const fd = fs.openSync(file, 'w');
  try {
    const pq = new ParquetWriter({
      writer: new FileByteWriter(fd),
      schema,
      kvMetadata,
      createdBy: `leakhound version ${version}`,
    });
    write(pq);
    pq.finish();
  } finally {
    fs.closeSync(fd);
  }
}
