/**
 * Waiting for a recorder to write out the dump a SIGUSR2 asked for (`leakhound dump`,
 * and `record`'s reports at a SIGUSR2), without loading the profile: it may be big.
 */
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAGIC, MAX_RECORD_PAYLOAD, ZSTD_MAGIC } from '../format/constants';
import { RECORD, RECORD_BY_TAG } from '../format/schema';

/**
 * How long a recorder may take: the native one's flusher writes a dump within 10 ms of
 * the signal, the node agent when the program's event loop next turns (a poll then
 * pauses it for 6–160 ms).
 */
export const DUMP_WAIT_MS = 3000;

const STEP_MS = 50;

/**
 * The native flusher writes every 100 ms: a write already under way when the signal
 * came grows the file before the one with the dump does.
 */
const FLUSH_ROUND_MS = 150;

/** Most bytes read per step while looking for the dump's mark. */
const SCAN_CHUNK = 16 << 20;

/** Polls `done` every 50 ms until it holds (true), or until `ms` have passed (false). */
export async function waitFor(ms: number, done: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += STEP_MS) {
    await sleep(STEP_MS);
    if (done()) return true;
  }
  return false;
}

/** A file's size; 0 when it does not exist (yet). */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Waits until the recorder writing `profile` has written out the dump that a SIGUSR2,
 * sent when the profile was `before` bytes long, asked for. In a plain stream (the
 * node recorder's, the native one's with `--no-compress`): until a mark record is
 * among the whole records written since (so a node dump's poll, flushed with its
 * mark, is on disk too, not just the memory sample that happened to come first). A
 * compressed stream cannot be read from the middle: until it has grown, and then a
 * round of the native flusher more. False when `ms` pass first.
 */
export async function waitForDump(profile: string, before: number, ms = DUMP_WAIT_MS): Promise<boolean> {
  const scan = new MarkScan(profile, before);
  let grownAt: number | undefined;
  return waitFor(ms, () => {
    if (fileSize(profile) <= before) return false;
    if (scan.step()) return true;
    if (!scan.lost) return false;
    grownAt ??= Date.now();
    return Date.now() - grownAt >= FLUSH_ROUND_MS;
  });
}

/**
 * Follows the records of a plain stream from the size it had at the signal, looking
 * for a mark. `lost` when that cannot be done: a compressed stream, or bytes that do
 * not parse as records (the size was read in the middle of a write).
 */
class MarkScan {
  lost = false;
  private offset = -1;
  private found = false;

  constructor(
    private readonly file: string,
    private readonly before: number,
  ) {}

  /** True once a mark was read and the file ends at a record's end. */
  step(): boolean {
    if (this.lost) return false;
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'r');
      if (this.offset < 0 && !this.start(fd)) return false;
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return this.found && size === this.offset;
      const buf = Buffer.alloc(Math.min(SCAN_CHUNK, size - this.offset));
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += this.parse(buf.subarray(0, n));
      return this.found && this.offset === size;
    } catch {
      this.lost = true;
      return false;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Where to start: at the size before the signal, or after the header when that is further. */
  private start(fd: number): boolean {
    const head = Buffer.alloc(16);
    if (fs.readSync(fd, head, 0, 16, 0) < 16) return false; // the header is not written yet
    if (head.subarray(0, 4).equals(ZSTD_MAGIC) || !head.subarray(0, 8).equals(MAGIC)) {
      this.lost = true;
      return false;
    }
    this.offset = Math.max(this.before, 16 + head.readUInt32LE(12));
    return true;
  }

  /** Reads the whole records at the start of `buf`; returns their length. */
  private parse(buf: Buffer): number {
    let p = 0;
    for (;;) {
      if (p >= buf.length) return p;
      const tag = buf[p];
      if (RECORD_BY_TAG[tag] === undefined) {
        this.lost = true;
        return p;
      }
      let q = p + 1;
      let size = 0;
      let shift = 1;
      for (;;) {
        if (q >= buf.length) return p;
        const b = buf[q++];
        size += (b & 0x7f) * shift;
        shift *= 128;
        if (!(b & 0x80)) break;
        if (shift > 2 ** 35) {
          this.lost = true;
          return p;
        }
      }
      if (size > MAX_RECORD_PAYLOAD) {
        this.lost = true;
        return p;
      }
      if (q + size > buf.length) return p;
      if (tag === RECORD.mark.tag) this.found = true;
      p = q + size;
    }
  }
}
