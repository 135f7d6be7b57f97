import * as fs from 'node:fs';
import { MAGIC, ZSTD_MAGIC } from '../format/constants';
import { ChunkSource, openChunkSource } from '../format/chunk-source';
import { LhpError } from '../format/errors';
import { openForReading } from '../format/read-at';
import { GZIP_MAGIC, openTextSource } from './text-source';

/** What a profile file holds: leakhound's own stream, or a file another tool wrote (docs/IMPORT.md). */
export type ProfileFormat = 'lhp' | 'heaptrack' | 'heapprofile';

const HEAD_BYTES = 64 << 10;
/**
 * heaptrack's first line: `v <heaptrack version> <file format version>`, in hex. Its
 * start is enough (a file cut inside it is a heaptrack file cut short); no .lhp or JSON
 * starts so.
 */
const HEAPTRACK_FIRST_LINE = /^v [0-9a-f]/;

/**
 * Tells the format by the first bytes: the .lhp magic; a heaptrack data file (plain,
 * gzip or zstd: its text starts with the `v` line); JSON (a .heapprofile). Anything
 * else is `lhp`, so that readLhp refuses it with its own messages, as do files that
 * cannot be opened. A zstd stream is decompressed just far enough to see which it holds.
 */
export function detectFormat(path: string): ProfileFormat {
  const head = readHead(path);
  if (!head || head.length === 0) return 'lhp';
  if (startsWith(head, MAGIC)) return 'lhp';
  if (startsWith(head, ZSTD_MAGIC)) return isHeaptrackText(zstdHead(path)) ? 'heaptrack' : 'lhp';
  if (startsWith(head, GZIP_MAGIC)) {
    if (isHeaptrackText(firstChunk(openTextSource(path)))) return 'heaptrack';
    throw new LhpError(
      `${path} is gzip-compressed but holds no heaptrack recording: not a leakhound, heaptrack or .heapprofile file`,
    );
  }
  if (isHeaptrackText(head)) return 'heaptrack';
  if (firstNonSpace(head) === 0x7b /* { */) return 'heapprofile';
  return 'lhp';
}

function readHead(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openForReading(path);
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return undefined; // a directory, a missing file: readLhp says which
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function startsWith(buf: Uint8Array, prefix: Uint8Array): boolean {
  if (buf.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

function isHeaptrackText(text: Uint8Array | undefined): boolean {
  return text !== undefined && HEAPTRACK_FIRST_LINE.test(Buffer.from(text.subarray(0, 64)).toString('latin1'));
}

/** The first decompressed chunk of a compressed file (a zstd block is at most 128 KiB), or undefined. */
function firstChunk(source: ChunkSource): Uint8Array | undefined {
  try {
    return source.next() ?? undefined;
  } finally {
    source.close();
  }
}

/** A zstd file that cannot be read is left to readLhp, which says why. */
function zstdHead(path: string): Uint8Array | undefined {
  try {
    return firstChunk(openChunkSource(path));
  } catch {
    return undefined;
  }
}

/** The first byte that is not whitespace (or a UTF-8 byte order mark), or -1. */
function firstNonSpace(buf: Uint8Array): number {
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return i < buf.length ? buf[i] : -1;
}
