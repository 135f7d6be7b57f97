import * as fs from 'node:fs';
import { describeFsError, LhpError } from './errors';

export function readError(path: string, err: unknown): LhpError {
  return new LhpError(`cannot read ${path}: ${describeFsError(err)}`);
}

/**
 * Opens a file to read it, without waiting: opening a FIFO that has no writer would
 * wait for one for ever (the caller then refuses what is not a regular file).
 */
export function openForReading(path: string): number {
  return fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
}

/** fs.readSync whose failures (EIO, …) are one-line LhpErrors. */
export function readAt(path: string, fd: number, buf: Buffer, position: number): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, position);
  } catch (err) {
    throw readError(path, err);
  }
}
