/** Mutations that know nothing of the format: what a bad disk, a bad copy or a cut transfer does to a file. */
import { varintBytes } from './lhp-records';
import { INTERESTING_VALUES, Random } from './random';

export interface Mutated {
  bytes: Uint8Array;
  /** What was done, for the failure summary: "flip 3 bits near 1200; truncate at 5000". */
  steps: string[];
  /** The file is still valid (docs/FORMAT.md) and means what the seed meant: it must analyze as the seed does. */
  sound?: boolean;
}

type ByteMutation = (input: Uint8Array, r: Random, region: Region) => Mutated;

/** Where offsets are drawn from: the whole input, or a part a mutation should aim at (a zstd frame header). */
export interface Region {
  start: number;
  end: number;
}

function offset(r: Random, region: Region): number {
  return region.start + r.int(Math.max(1, region.end - region.start));
}

function splice(input: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  return Buffer.concat([
    input.subarray(0, at),
    Uint8Array.from(insert),
    input.subarray(Math.min(input.length, at + remove)),
  ]);
}

const flipBits: ByteMutation = (input, r, region) => {
  const bytes = Uint8Array.from(input);
  const n = 1 + r.int(8);
  const at = offset(r, region);
  for (let i = 0; i < n && bytes.length > 0; i++) {
    const pos = Math.min(bytes.length - 1, at + r.int(16));
    bytes[pos] ^= 1 << r.int(8);
  }
  return { bytes, steps: [`flip ${n} bits near ${at}`] };
};

const setBytes: ByteMutation = (input, r, region) => {
  const at = Math.min(offset(r, region), Math.max(0, input.length - 1));
  const value = r.pick([0x00, 0xff, 0x80, 0x7f, r.int(256)]);
  const n = 1 + r.int(4);
  return { bytes: splice(input, at, n, new Array(n).fill(value)), steps: [`set ${n} bytes at ${at} to ${value}`] };
};

const insertBytes: ByteMutation = (input, r, region) => {
  const at = offset(r, region);
  const n = 1 + r.int(16);
  return { bytes: splice(input, at, 0, r.bytes(n)), steps: [`insert ${n} bytes at ${at}`] };
};

const deleteBytes: ByteMutation = (input, r, region) => {
  const at = offset(r, region);
  const n = 1 + r.int(r.chance(0.8) ? 16 : 4096);
  return { bytes: splice(input, at, n, []), steps: [`delete ${n} bytes at ${at}`] };
};

const truncate: ByteMutation = (input, r, region) => {
  const at = offset(r, region);
  return { bytes: input.subarray(0, at), steps: [`truncate at ${at}`] };
};

const duplicateChunk: ByteMutation = (input, r, region) => {
  const from = offset(r, region);
  const length = 1 + r.int(r.chance(0.7) ? 64 : 8192);
  const chunk = input.subarray(from, from + length);
  const copies = r.chance(0.8) ? 1 : 2 + r.int(100);
  const at = offset(r, region);
  const repeated = Buffer.concat(new Array<Uint8Array>(copies).fill(chunk));
  return {
    bytes: splice(input, at, 0, repeated),
    steps: [`duplicate ${chunk.length} bytes from ${from} ${copies}x at ${at}`],
  };
};

/** A very large LEB128 value written over the bytes at a random place (anywhere: the .lhp mutations aim at boundaries). */
const hugeVarint: ByteMutation = (input, r, region) => {
  const at = offset(r, region);
  const value = r.pick(INTERESTING_VALUES.slice(-8));
  const bytes = varintBytes(value);
  return { bytes: splice(input, at, r.chance(0.5) ? bytes.length : 0, bytes), steps: [`varint ${value} at ${at}`] };
};

const BYTE_MUTATIONS: readonly ByteMutation[] = [
  flipBits,
  flipBits,
  setBytes,
  insertBytes,
  deleteBytes,
  truncate,
  duplicateChunk,
  hugeVarint,
];

/** One to three byte mutations, within `region` (default: the whole input). */
export function mutateBytes(input: Uint8Array, r: Random, region: Region = { start: 0, end: input.length }): Mutated {
  let bytes = input;
  const steps: string[] = [];
  const n = 1 + (r.chance(0.7) ? 0 : r.int(3));
  for (let i = 0; i < n; i++) {
    const within = i === 0 ? region : { start: 0, end: bytes.length };
    const m = r.pick(BYTE_MUTATIONS)(bytes, r, within);
    bytes = m.bytes;
    steps.push(...m.steps);
  }
  return { bytes, steps };
}
