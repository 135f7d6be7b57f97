import * as fs from 'node:fs';
import { Gunzip } from 'fflate';
import { ChunkSource, openChunkSource } from '../format/chunk-source';
import { CodecFactory, DecompressingSource } from '../format/decompressing-source';
import { openForReading, readError } from '../format/read-at';

export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** The error code fflate gives data that ends inside a gzip member. */
const FFLATE_UNEXPECTED_EOF = 0;

/**
 * A text file as chunks: plain or zstd (the .lhp reader's sources), or gzip, all
 * streaming: memory stays small however far the text expands.
 */
export function openTextSource(path: string): ChunkSource {
  const head = Buffer.alloc(2);
  let fd: number;
  try {
    fd = openForReading(path);
  } catch (err) {
    throw readError(path, err);
  }
  try {
    const n = fs.readSync(fd, head, 0, 2, 0);
    if (n === 2 && head.equals(GZIP_MAGIC)) return new DecompressingSource(path, fd, fs.fstatSync(fd).size, gzipCodec);
  } catch (err) {
    fs.closeSync(fd);
    throw readError(path, err);
  }
  fs.closeSync(fd);
  return openChunkSource(path);
}

/** fflate's streaming gunzip (node:zlib has no synchronous streaming one); it reads concatenated members too. */
export const gzipCodec: CodecFactory = (onData) => {
  const gunzip = new Gunzip((chunk) => onData(chunk));
  return {
    name: 'gzip',
    push: (piece, final) => gunzip.push(piece, final),
    endsEarly: (err) => (err as { code?: unknown }).code === FFLATE_UNEXPECTED_EOF,
  };
};
