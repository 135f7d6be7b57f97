import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordError } from '../errors';
import {
  isRunning,
  pidInName,
  prepareOutput,
  RecordedFile,
  RecordResult,
  runRecorded,
  writtenProfiles,
} from '../launch';
import { finalizeRecording } from './finalize';

export type UnwindMode = 'auto' | 'fp' | 'dwarf';

export interface NativeRecordOptions {
  /** The profile of the started process; other processes write `<base>.<pid>.lhp` beside it. */
  output: string;
  /** Record processes the program forks or execs (default true). */
  follow: boolean;
  /** zstd-compress the stream (when libzstd.so.1 is on the system). */
  compress: boolean;
  unwind: UnwindMode;
}

const LIBRARY = path.join(__dirname, 'libleakhound.so');

/**
 * Runs a native program with the recorder preloaded: stdio passed through, signals
 * forwarded, then every profile the run wrote is symbolized.
 */
export async function recordNative(
  executable: string,
  args: string[],
  argv0: string,
  options: NativeRecordOptions,
): Promise<RecordResult> {
  if (!fs.existsSync(LIBRARY))
    throw new RecordError(
      `the native recorder is not built (${LIBRARY} is missing): run npm install, which needs a C compiler`,
    );
  const output = path.resolve(options.output);
  prepareOutput(output, ['.frames']);
  const env = { ...process.env };
  delete env.LEAKHOUND_ROOT_PID;
  env.LD_PRELOAD = [preloadable(LIBRARY), env.LD_PRELOAD].filter(Boolean).join(' ');
  env.LEAKHOUND_OUTPUT = output;
  env.LEAKHOUND_UNWIND = options.unwind;
  if (!options.follow) env.LEAKHOUND_NO_FOLLOW = '1';
  env.LEAKHOUND_COMPRESS = options.compress ? '1' : '0';

  const exitCode = await runRecorded(executable, args, argv0, env);
  return { exitCode, files: writtenProfiles(output).map((file) => finalize(file)) };
}

/**
 * LD_PRELOAD separates libraries with spaces and colons, with no way to quote them:
 * a library whose path has either is preloaded through a link in the temporary
 * directory.
 */
function preloadable(library: string): string {
  if (!/[ :]/.test(library)) return library;
  const id = createHash('sha1').update(library).digest('hex').slice(0, 12);
  const link = path.join(os.tmpdir(), `leakhound-${process.getuid?.() ?? 0}`, `libleakhound-${id}.so`);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  if (!fs.existsSync(link)) fs.symlinkSync(library, link);
  return link;
}

/** Symbolizes one profile; what goes wrong is a warning: the profile stays as recorded. */
function finalize(file: string): RecordedFile {
  const pid = pidInName(file) ?? 0;
  if (pid && isRunning(pid)) return { path: file, pid, allocations: 0, running: true, warnings: [] };
  try {
    const r = finalizeRecording(file);
    return { path: file, pid: r.pid, allocations: r.allocations, running: false, warnings: r.warnings };
  } catch (err) {
    return { path: file, pid, allocations: 0, running: false, warnings: [`not symbolized: ${(err as Error).message}`] };
  }
}
