/**
 * A zstd frame that stores its data uncompressed (raw blocks): how a writer
 * without a zstd compressor appends to a compressed stream. A few bytes of framing
 * per 128 KiB; any zstd decoder reads it. (RFC 8878: frame header with a 128 KiB
 * window and no content size or checksum, then raw blocks, the last one flagged.)
 */
const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BLOCK = 128 * 1024;
/** Frame header descriptor 0 (no single segment, checksum or dictionary), window 2^(10+7). */
const HEADER = [0x00, 7 << 3];

export function zstdStoredFrame(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK));
  const out = Buffer.alloc(MAGIC.length + HEADER.length + blocks * 3 + data.length);
  out.set(MAGIC, 0);
  out.set(HEADER, MAGIC.length);
  let at = MAGIC.length + HEADER.length;
  for (let i = 0; i < blocks; i++) {
    const chunk = data.subarray(i * BLOCK, (i + 1) * BLOCK);
    const last = i === blocks - 1 ? 1 : 0;
    out.writeUIntLE((chunk.length << 3) | last, at, 3); // block type 0: raw
    out.set(chunk, at + 3);
    at += 3 + chunk.length;
  }
  return out;
}
