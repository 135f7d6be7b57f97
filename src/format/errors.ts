/** A problem with a profile file or its path: reported as one line, exit code 1. */
export class LhpError extends Error {
  override name = 'LhpError';
}

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

/** A file-system failure in a few words: "no such file or directory (ENOENT)". */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return (err as Error).message.split('\n')[0];
  return ERRNO_WORDS[code] ? `${ERRNO_WORDS[code]} (${code})` : code;
}
