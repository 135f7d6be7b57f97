import * as fs from 'node:fs';
import { describeFsError, LhpError } from './errors';

export function readError(path: string, err: unknown): LhpError {
  return new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
}

/** fs.readSync whose failures (EIO, …) are one-line LhpErrors. */
export function readAt(path: string, fd: number, buf: Buffer, position: number): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, position);
  } catch (err) {
    throw readError(path, err);
  }
}
