import * as fs from 'node:fs';
import { Decompress } from 'fzstd';
import { ZSTD_MAGIC } from './constants';
import { LhpError } from './errors';

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

export function openChunkSource(path: string): ChunkSource {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code ?? (err as Error).message;
    throw new LhpError(`cannot read ${path}: ${why}`);
  }
  const fileSize = fs.fstatSync(fd).size;
  const head = Buffer.alloc(4);
  const n = fs.readSync(fd, head, 0, 4, 0);
  const compressed = n === 4 && head.equals(ZSTD_MAGIC);
  return compressed ? new ZstdSource(fd, fileSize) : new PlainSource(fd, fileSize);
}

class PlainSource implements ChunkSource {
  consumed = 0;
  readonly compressed = false;
  readonly cutShort = false;
  constructor(private readonly fd: number, readonly fileSize: number) {}

  next(): Uint8Array | null {
    const buf = Buffer.allocUnsafe(CHUNK);
    const n = fs.readSync(this.fd, buf, 0, CHUNK, this.consumed);
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

  constructor(private readonly fd: number, readonly fileSize: number) {}

  next(): Uint8Array | null {
    while (this.queue.length === 0 && !this.ended) this.pump();
    return this.queue.shift() ?? null;
  }

  private pump(): void {
    const buf = Buffer.allocUnsafe(1 << 20);
    const n = fs.readSync(this.fd, buf, 0, buf.length, this.consumed);
    this.consumed += n;
    try {
      this.decompressor.push(buf.subarray(0, n), n === 0);
    } catch {
      // fzstd throws when the stream ends inside a frame: keep what was decompressed.
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
