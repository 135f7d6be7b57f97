import { LhpError } from '../../format/errors';
import { RecordError } from '../../recorders/errors';
import { ScriptError } from '../../script/errors';
import { terminalText } from '../../render/terminal-text';
import { FileError } from '../../util/regular-files';

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, failure: 1, usage: 2, leak: 3 } as const;

/** A user-facing failure: printed as one line, exit 1. */
export class CliError extends Error {}

/** Prints an error as the one line the contract promises and returns the exit code. */
export function reportError(err: unknown): number {
  if (
    err instanceof LhpError ||
    err instanceof CliError ||
    err instanceof RecordError ||
    err instanceof ScriptError ||
    err instanceof FileError
  ) {
    process.stderr.write(`leakhound: ${terminalText(err.message)}\n`);
    return EXIT.failure;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `leakhound: internal error: ${terminalText(message.split('\n')[0])} (set LEAKHOUND_DEBUG=1 for details)\n`,
  );
  if (process.env.LEAKHOUND_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.failure;
}

/** A warning line on stderr, its text (names from a recording, paths) made safe for a terminal. */
export function warn(message: string): void {
  process.stderr.write(`leakhound: warning: ${terminalText(message)}\n`);
}
