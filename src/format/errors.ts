/** A problem with a profile file or its path: reported as one line, exit code 1. */
export class LhpError extends Error {
  override name = 'LhpError';
}
