/**
 * Walks the frame and block headers of a zstd stream as its compressed bytes go by,
 * without decompressing, so that a frame is judged before the decompressor sees it:
 * fzstd allocates a frame's whole window up front, and a damaged or hostile header can
 * ask for 2 GiB from a 57 KB file. (RFC 8878 §3.1: frame header, then blocks each with a
 * 3-byte header, then an optional 4-byte checksum; skippable frames carry their length.)
 */
export class ZstdFrameWalker {
  /** Bytes to pass over before the next header (block contents, checksums, skippable frames). */
  private skip = 0;
  private header: number[] = [];
  private inFrame = false;
  private checksum = false;
  /** Set at bytes that are not a zstd frame: the decompressor will say what is wrong. */
  private lost = false;

  /** `judge` is called with each frame's window size (bytes) and declared content size (or -1). */
  constructor(private readonly judge: (windowBytes: number, contentBytes: number) => void) {}

  /** Walks the next compressed bytes. Stops looking (leaving it to the decompressor) at anything malformed. */
  walk(bytes: Uint8Array): void {
    let p = 0;
    while (p < bytes.length && !this.lost) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - p);
        this.skip -= n;
        p += n;
        continue;
      }
      this.header.push(bytes[p++]);
      if (this.inFrame) this.blockHeader();
      else this.frameHeader();
    }
  }

  private blockHeader(): void {
    if (this.header.length < 3) return;
    const [b0, b1, b2] = this.header;
    this.header = [];
    const last = b0 & 1;
    const type = (b0 >> 1) & 3;
    const size = (b0 >> 3) | (b1 << 5) | (b2 << 13);
    this.skip = type === 1 ? 1 : size; // an RLE block stores one byte
    if (last) {
      this.inFrame = false;
      if (this.checksum) this.skip += 4;
    }
  }

  private frameHeader(): void {
    const h = this.header;
    if (h.length < 5) return;
    const magic = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame: magic, 4-byte length, data
      if (h.length < 8) return;
      this.skip = (h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)) >>> 0;
      this.header = [];
      return;
    }
    if (magic !== 0xfd2fb528) {
      this.lost = true;
      return;
    }
    const descriptor = h[4];
    const singleSegment = (descriptor >> 5) & 1;
    const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
    const contentFlag = descriptor >> 6;
    const contentBytes = contentFlag === 0 ? singleSegment : 1 << contentFlag;
    const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentBytes;
    if (h.length < length) return;
    let content = -1;
    if (contentBytes > 0) {
      content = 0;
      const at = length - contentBytes;
      for (let i = contentBytes - 1; i >= 0; i--) content = content * 256 + h[at + i];
      if (contentBytes === 2) content += 256;
    }
    let window = content;
    if (!singleSegment) {
      const exponent = h[5] >> 3;
      const base = 2 ** (10 + exponent);
      window = base + (base / 8) * (h[5] & 7);
    }
    this.judge(window, content);
    this.checksum = ((descriptor >> 2) & 1) === 1;
    this.inFrame = true;
    this.header = [];
  }
}
