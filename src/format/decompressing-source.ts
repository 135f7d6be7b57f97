import * as fs from 'node:fs';
import type { ChunkSource } from './chunk-source';
import { WHOLE_FILE } from './read-limit';
import { readAt } from './read-at';
import { LhpError } from './errors';

/** A streaming decompressor (fzstd's, fflate's), with what the source needs to know of its format. */
export interface Codec {
  /** `zstd`, `gzip`: for messages. */
  readonly name: string;
  /** Decompresses `piece`, handing what comes out to the source's `onData`. */
  push(piece: Uint8Array, final: boolean): void;
  /** True when `err`, thrown by push, says the data ends early (a cut file), not that it is damaged. */
  endsEarly(err: unknown): boolean;
}

/** Makes a codec that hands its output to `onData`. */
export type CodecFactory = (onData: (chunk: Uint8Array) => void) => Codec;

/**
 * The most a recording expands, beyond a first 4 MiB. Our recorder's stream of the
 * most repetitive program there is (20 M malloc/free pairs of one size in a loop)
 * expands 4,800×; every zstd block carries headers, so no recording does much better.
 * Data that expands further is a decompression bomb, refused before it costs minutes.
 */
export const MAX_EXPANSION = 8192;
const EXPANSION_SLACK = 4 << 20;
/**
 * Compressed bytes given to the decompressor at a time. What one push produces is
 * bounded by it (a 4-byte zstd RLE block yields 128 KiB), so memory stays small however
 * well the data compresses.
 */
const PIECE = 1 << 10;
const READ = 1 << 20;

/** Yields a compressed file's decompressed bytes, a block or so at a time. */
export class DecompressingSource implements ChunkSource {
  consumed = 0;
  readonly compressed = true;
  cutShort = false;
  limit = WHOLE_FILE;
  private readonly queue: Uint8Array[] = [];
  private readonly codec: Codec;
  private ended = false;
  /** Read from the file, not yet given to the decompressor. */
  private unread: Uint8Array = new Uint8Array(0);
  private pushed = 0;
  private produced = 0;

  constructor(
    private readonly path: string,
    private readonly fd: number,
    readonly fileSize: number,
    codec: CodecFactory,
  ) {
    this.codec = codec((chunk) => {
      this.queue.push(chunk);
      this.produced += chunk.length;
    });
  }

  next(): Uint8Array | null {
    while (this.queue.length === 0 && !this.ended && this.pump());
    return this.queue.shift() ?? null;
  }

  /** Gives the decompressor its next piece; false when the limit is reached and more may come later. */
  private pump(): boolean {
    if (this.unread.length === 0) {
      // fresh: the decompressor may keep what it was given
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(READ, this.limit.bytes - this.consumed)));
      const n = buf.length > 0 ? readAt(this.path, this.fd, buf, this.consumed) : 0;
      this.consumed += n;
      this.unread = buf.subarray(0, n);
      // a frame cut by the limit is finished by the next read, not ended here
      if (n === 0 && !this.limit.final) return false;
    }
    const piece = this.unread.subarray(0, PIECE);
    this.unread = this.unread.subarray(piece.length);
    const final = piece.length === 0;
    try {
      this.codec.push(piece, final);
    } catch (err) {
      if (err instanceof LhpError) throw err;
      if (!this.codec.endsEarly(err)) {
        throw new LhpError(
          `${this.path} is corrupt: its ${this.codec.name} compression is damaged (${(err as Error).message})`,
        );
      }
      // the file ends inside a frame: keep what was decompressed
      this.cutShort = true;
      this.ended = true;
    }
    this.pushed += piece.length;
    if (this.produced > expansionLimit(this.pushed))
      refuseBomb(this.path, this.codec.name, this.pushed, `more than ${this.produced}`);
    if (final) this.ended = true;
    return true;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The most `compressedBytes` of a recording may expand to. */
export function expansionLimit(compressedBytes: number): number {
  return EXPANSION_SLACK + MAX_EXPANSION * compressedBytes;
}

export function refuseBomb(path: string, codec: string, compressedBytes: number, expanded: string): never {
  throw new LhpError(
    `${path} is not a recording: ${compressedBytes} bytes of its ${codec} data expand to ${expanded} bytes, more than ${MAX_EXPANSION}× (a decompression bomb?)`,
  );
}
