/** A growable byte buffer with LEB128 varints, used to build records before they are written. */
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** Unsigned varint (LEB128) of an integer in 0 ..= 2^53-1; anything else would write a corrupt stream. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`cannot encode ${value} as a varint: expected an integer in 0 ..= 2^53-1`);
    this.ensure(10);
    const buf = this.buf;
    let pos = this.length;
    while (value >= 0x80) {
      buf[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[pos++] = value;
    this.length = pos;
  }

  /** Signed varint (zigzag), for time deltas that may step back across thread buffers. An integer in ±(2^52-1). */
  svarint(value: number): void {
    if (!Number.isInteger(value))
      throw new RangeError(`cannot encode ${value} as a signed varint: expected an integer`);
    this.varint(value < 0 ? -2 * value - 1 : 2 * value);
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Bytes written so far, as a view (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

/** Number of bytes `value` takes as an unsigned varint. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}
