import { LhpError } from '../format/errors';
import { RecordError } from '../recorders/errors';
import { ReportError } from '../report/errors';
import { ScriptError } from '../script/errors';

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, failure: 1, usage: 2, leak: 3 } as const;

/** A user-facing failure: printed as one line, exit 1. */
export class CliError extends Error {}

/** Prints an error as the one line the contract promises and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof LhpError || err instanceof CliError || err instanceof RecordError || err instanceof ScriptError || err instanceof ReportError) {
    process.stderr.write(`leakhound: ${err.message}\n`);
    return EXIT.failure;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`leakhound: internal error: ${message.split('\n')[0]} (set LEAKHOUND_DEBUG=1 for details)\n`);
  if (process.env.LEAKHOUND_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT.failure;
}
