/**
 * Input `index` of a run: a seed (taken in turn) and mutations drawn from the run's
 * seed, so the same (seed, index) gives the same bytes on every machine.
 *
 * Compressed seeds are mutated two ways: their compressed bytes (what the decoder
 * meets), and their decompressed content mutated and compressed again, as stored zstd
 * frames or gzip, so damage inside the stream reaches the parser behind the decoder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decompressZstd as decompress } from '../../src/format/zstd-codec';
import { ZSTD_MAGIC } from '../../src/format/constants';
import { zstdStoredFrame } from '../../src/format/zstd-stored';
import { Mutated, mutateBytes, Region } from './byte-mutations';
import { Json, mutateHeapprofile, mutateHeaptrackText } from './import-mutations';
import { LhpParts, splitLhp } from './lhp-records';
import { mutateLhp } from './lhp-mutations';
import { Random } from './random';

type Content =
  | { kind: 'lhp'; parts: LhpParts }
  | { kind: 'heaptrack'; text: string }
  | { kind: 'heapprofile'; json: Json };
type Wrapping = 'plain' | 'zstd' | 'gzip';

export interface Seed {
  name: string;
  file: Uint8Array;
  wrapping: Wrapping;
  content: Content;
}

export interface Input extends Mutated {
  seed: string;
}

export function loadSeed(file: string): Seed {
  const name = path.basename(file);
  const bytes = fs.readFileSync(file);
  const wrapping: Wrapping = name.endsWith('.zst') ? 'zstd' : name.endsWith('.gz') ? 'gzip' : 'plain';
  const inner =
    wrapping === 'zstd' ? Buffer.from(decompress(bytes)) : wrapping === 'gzip' ? zlib.gunzipSync(bytes) : bytes;
  const content: Content = name.includes('.lhp')
    ? { kind: 'lhp', parts: splitLhp(inner) }
    : name.startsWith('heaptrack')
      ? { kind: 'heaptrack', text: inner.toString('utf8') }
      : { kind: 'heapprofile', json: JSON.parse(inner.toString('utf8')) as Json };
  return { name, file: bytes, wrapping, content };
}

/** The content, mutated by its format's own mutations and perhaps byte mutations after. */
function mutateContent(content: Content, r: Random): Mutated {
  let first: Mutated;
  if (content.kind === 'lhp') first = mutateLhp(content.parts, r);
  else {
    const m = content.kind === 'heaptrack' ? mutateHeaptrackText(content.text, r) : mutateHeapprofile(content.json, r);
    first = { bytes: Buffer.from(m.text), steps: [m.step] };
  }
  if (r.chance(0.7)) return first;
  const then = mutateBytes(first.bytes, r);
  return { bytes: then.bytes, steps: [...first.steps, ...then.steps] };
}

/** Byte mutations of the file as it is, or (zstd, one time in three) of a frame's header. */
function mutateWhole(seed: Seed, r: Random): Mutated {
  let region: Region | undefined;
  if (seed.wrapping === 'zstd' && r.chance(1 / 3)) {
    const frames = frameStarts(seed.file);
    const start = r.pick(frames);
    region = { start, end: Math.min(seed.file.length, start + 18) };
  }
  return mutateBytes(seed.file, r, region);
}

/** Where each zstd frame starts (its magic), the first at 0. */
function frameStarts(file: Uint8Array): number[] {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.length);
  const starts = [0];
  for (let at = buf.indexOf(ZSTD_MAGIC, 1); at > 0; at = buf.indexOf(ZSTD_MAGIC, at + 1)) starts.push(at);
  return starts;
}

/** Mutated content compressed again: zstd as one to three stored frames (the recorder writes several), or gzip. */
function rewrap(bytes: Uint8Array, wrapping: Wrapping, r: Random): Uint8Array {
  if (wrapping === 'plain') return bytes;
  if (wrapping === 'gzip') return zlib.gzipSync(bytes, { level: 1 });
  const cuts = [
    0,
    ...Array.from({ length: r.int(3) }, () => r.int(bytes.length + 1)).sort((a, b) => a - b),
    bytes.length,
  ];
  return Buffer.concat(cuts.slice(1).map((end, i) => zstdStoredFrame(bytes.subarray(cuts[i], end))));
}

export function makeInput(seeds: readonly Seed[], runSeed: number, index: number): Input {
  const seed = seeds[index % seeds.length];
  const r = new Random(runSeed, index);
  if (r.chance(seed.wrapping === 'plain' ? 0.4 : 0.5)) return { seed: seed.name, ...mutateWhole(seed, r) };
  const m = mutateContent(seed.content, r);
  // compressing again loses nothing: a sound mutation stays sound
  return {
    ...m,
    seed: seed.name,
    bytes: rewrap(m.bytes, seed.wrapping, r),
    steps: seed.wrapping === 'plain' ? m.steps : [...m.steps, `then ${seed.wrapping}`],
  };
}
