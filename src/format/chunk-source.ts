import * as fs from 'node:fs';
import { Decompress } from 'fzstd';
import { ZSTD_MAGIC } from './constants';
import { describeFsError, LhpError } from './errors';

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
  close(): void;
}

const CHUNK = 8 << 20;
/** The error code fzstd gives a stream that ends inside a frame. */
const FZSTD_UNEXPECTED_EOF = 5;

export function openChunkSource(path: string): ChunkSource {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    // Linux opens a directory for reading; only the first read fails.
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const fileSize = stat.size;
    const head = Buffer.alloc(4);
    const n = readAt(path, fd, head, 0);
    const compressed = n === 4 && head.equals(ZSTD_MAGIC);
    return compressed ? new ZstdSource(path, fd, fileSize) : new PlainSource(path, fd, fileSize);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    if (err instanceof LhpError) throw err;
    throw readError(path, err);
  }
}

function readError(path: string, err: unknown): LhpError {
  return new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
}

/** fs.readSync whose failures (EIO, …) are one-line LhpErrors. */
function readAt(path: string, fd: number, buf: Buffer, position: number): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, position);
  } catch (err) {
    throw readError(path, err);
  }
}

class PlainSource implements ChunkSource {
  consumed = 0;
  readonly compressed = false;
  readonly cutShort = false;
  constructor(
    private readonly path: string,
    private readonly fd: number,
    readonly fileSize: number,
  ) {}

  next(): Uint8Array | null {
    // a small file gets a small buffer; reading goes on past fileSize while a recorder appends
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1 << 16, this.fileSize - this.consumed)));
    const n = readAt(this.path, this.fd, buf, this.consumed);
    if (n === 0) return null;
    this.consumed += n;
    return buf.subarray(0, n);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

class ZstdSource implements ChunkSource {
  consumed = 0;
  readonly compressed = true;
  cutShort = false;
  private readonly queue: Uint8Array[] = [];
  private readonly decompressor = new Decompress((chunk) => this.queue.push(chunk));
  private ended = false;

  constructor(
    private readonly path: string,
    private readonly fd: number,
    readonly fileSize: number,
  ) {}

  next(): Uint8Array | null {
    while (this.queue.length === 0 && !this.ended) this.pump();
    return this.queue.shift() ?? null;
  }

  private pump(): void {
    const buf = Buffer.allocUnsafe(1 << 20);
    const n = readAt(this.path, this.fd, buf, this.consumed);
    this.consumed += n;
    try {
      this.decompressor.push(buf.subarray(0, n), n === 0);
    } catch (err) {
      // fzstd's code 5 is "unexpected EOF": the file ends inside a frame, so keep what was
      // decompressed. Any other code is damage.
      if ((err as { code?: unknown }).code !== FZSTD_UNEXPECTED_EOF) {
        throw new LhpError(`${this.path} is corrupt: its zstd compression is damaged (${(err as Error).message})`);
      }
      this.cutShort = true;
      this.ended = true;
    }
    if (n === 0) this.ended = true;
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
