import { CodecFactory, expansionLimit, refuseBomb } from './decompressing-source';
import { LhpError } from './errors';
import * as fzstd from './vendor/fzstd';
import { ZstdFrameWalker } from './zstd-frames';

/** fzstd's streaming decompressor: `push` hands what it decodes to `ondata`. */
const Decompress = fzstd.Decompress as unknown as new (
  ondata: (chunk: Uint8Array, final: boolean) => void,
) => {
  push(chunk: Uint8Array, final?: boolean): void;
};
/** Decompresses a whole zstd stream at once (for tests and tools, not for files of unknown size). */
export const decompressZstd = fzstd.decompress as unknown as (data: Uint8Array) => Uint8Array;

/** zstd's own decoder refuses windows over 128 MiB unless told otherwise (`--memory`); so do we. */
const MAX_WINDOW = 128 << 20;
/**
 * Encoders fit the window to the data: zstd's largest default is 8 MiB (level 19), its
 * long mode 128 MiB, for data that fills it. Beyond 16 MiB, a window must come with at
 * least a byte of file per KiB of window.
 */
const WINDOW_SLACK = 16 << 20;
const WINDOW_PER_BYTE = 1024;
/** The error code fzstd gives a stream that ends inside a frame. */
const FZSTD_UNEXPECTED_EOF = 5;

/**
 * fzstd, behind a walker that judges each frame's header before fzstd allocates its
 * window: a damaged header can ask for 2 GiB, or claim content no recording could hold.
 */
export function zstdCodec(path: string, fileSize: number): CodecFactory {
  return (onData) => {
    const decompressor = new Decompress((chunk) => onData(chunk));
    const walker = new ZstdFrameWalker((window, content) => {
      if (window > MAX_WINDOW) {
        throw new LhpError(
          `${path} is corrupt: a zstd frame asks for a window of ${window} bytes, more than the ${MAX_WINDOW} zstd itself accepts`,
        );
      }
      // fzstd allocates the window whole and touches all of it: a window larger than the
      // frame's declared content, or than a file this small is ever written with, is damage
      if (content >= 0 && window > content + WINDOW_SLACK) {
        throw new LhpError(
          `${path} is corrupt: a zstd frame asks for a window of ${window} bytes for ${content} bytes of content`,
        );
      }
      if (window > WINDOW_SLACK + WINDOW_PER_BYTE * fileSize) {
        throw new LhpError(
          `${path} is corrupt: a zstd frame asks for a window of ${window} bytes, more than a file of ${fileSize} bytes is written with`,
        );
      }
      if (content > expansionLimit(fileSize)) refuseBomb(path, 'zstd', fileSize, String(content));
    });
    return {
      name: 'zstd',
      push(piece, final) {
        walker.walk(piece);
        decompressor.push(piece, final);
      },
      endsEarly: (err) => (err as { code?: unknown }).code === FZSTD_UNEXPECTED_EOF,
    };
  };
}
