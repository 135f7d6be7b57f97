import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { ChunkSource, openChunkSource } from '../../format/chunk-source';
import { describeFsError, LhpError } from '../../format/errors';
import { GZIP_MAGIC } from './detect';

const SLICE = 8 << 20;

/**
 * A text file as chunks: plain or zstd (the .lhp reader's sources, streaming), or gzip.
 * node:zlib has no synchronous streaming decompressor, so a gzip file is decompressed
 * whole, then handed out in slices; one cut short is decompressed as far as it goes.
 */
export function openTextSource(path: string): ChunkSource {
  const head = Buffer.alloc(2);
  let n = 0;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      n = fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
  }
  return n === 2 && head.equals(GZIP_MAGIC) ? new GzipSource(path) : openChunkSource(path);
}

class GzipSource implements ChunkSource {
  readonly compressed = true;
  readonly fileSize: number;
  cutShort = false;
  private readonly text: Buffer;
  private offset = 0;

  constructor(path: string) {
    let data: Buffer;
    try {
      data = fs.readFileSync(path);
    } catch (err) {
      throw new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
    }
    this.fileSize = data.length;
    try {
      this.text = zlib.gunzipSync(data);
    } catch (err) {
      if ((err as { code?: string }).code !== 'Z_BUF_ERROR') {
        throw new LhpError(`${path} is corrupt: its gzip compression is damaged (${(err as Error).message})`);
      }
      // "unexpected end of file": keep what the complete part holds
      this.text = zlib.gunzipSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      this.cutShort = true;
    }
  }

  /** Compressed bytes, in proportion to the text handed out. */
  get consumed(): number {
    return this.text.length === 0 ? this.fileSize : Math.round((this.offset / this.text.length) * this.fileSize);
  }

  next(): Uint8Array | null {
    if (this.offset >= this.text.length) return null;
    const chunk = this.text.subarray(this.offset, this.offset + SLICE);
    this.offset += chunk.length;
    return chunk;
  }

  close(): void {}
}
