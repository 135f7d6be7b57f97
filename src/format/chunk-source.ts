import * as fs from 'node:fs';
import { ZSTD_MAGIC } from './constants';
import { DecompressingSource } from './decompressing-source';
import { zstdCodec } from './zstd-codec';
import { LhpError } from './errors';
import { kindOf } from '../util/regular-files';
import { openForReading, readAt, readError } from './read-at';
import { ReadLimit, WHOLE_FILE } from './read-limit';

/** Yields a file's bytes in chunks, decompressing zstd transparently. */
export interface ChunkSource {
  /** The next chunk, or null at the end. */
  next(): Uint8Array | null;
  /** Bytes of the file consumed so far (compressed bytes for a zstd file), for progress. */
  readonly consumed: number;
  readonly fileSize: number;
  readonly compressed: boolean;
  /** Set at the end when a compressed stream stopped in the middle of a frame. */
  readonly cutShort: boolean;
  /** How far it reads; may be raised between reads of a file that grows. */
  limit: ReadLimit;
  close(): void;
}

const CHUNK = 8 << 20;

export function openChunkSource(path: string): ChunkSource {
  let fd: number | undefined;
  try {
    fd = openForReading(path);
    // Linux opens a directory for reading, and a FIFO or a device would be read for ever
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new LhpError(`cannot read ${path}: it is ${kindOf(stat)}, not a regular file`);
    const fileSize = stat.size;
    const head = Buffer.alloc(4);
    const n = readAt(path, fd, head, 0);
    const compressed = n === 4 && head.equals(ZSTD_MAGIC);
    return compressed
      ? new DecompressingSource(path, fd, fileSize, zstdCodec(path, fileSize))
      : new PlainSource(path, fd, fileSize);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    if (err instanceof LhpError) throw err;
    throw readError(path, err);
  }
}

class PlainSource implements ChunkSource {
  consumed = 0;
  readonly compressed = false;
  readonly cutShort = false;
  limit = WHOLE_FILE;
  constructor(
    private readonly path: string,
    private readonly fd: number,
    readonly fileSize: number,
  ) {}

  next(): Uint8Array | null {
    // a small file gets a small buffer; reading goes on past fileSize while a recorder appends
    const room = this.limit.bytes - this.consumed;
    if (room <= 0) return null;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, room, Math.max(1 << 16, this.fileSize - this.consumed)));
    const n = readAt(this.path, this.fd, buf, this.consumed);
    if (n === 0) return null;
    this.consumed += n;
    return buf.subarray(0, n);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Size and compression of a file, without reading it; undefined when it cannot be opened. */
export function sniffFile(path: string): { size: number; compressed: boolean } | undefined {
  try {
    const source = openChunkSource(path);
    source.close();
    return { size: source.fileSize, compressed: source.compressed };
  } catch {
    return undefined;
  }
}
