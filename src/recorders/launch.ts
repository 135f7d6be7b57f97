import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { siblingProfiles } from '../format/siblings';
import { RecordError } from './errors';

/** Signals sent to `record` meant for the program. SIGINT and SIGQUIT come from the terminal to both. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/**
 * Runs the recorded program with stdio passed through and `record`'s signals
 * forwarded to it. Resolves to its exit code, or 128 + the signal that killed it
 * (as a shell reports it).
 */
export async function runRecorded(
  executable: string,
  args: string[],
  argv0: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  // Listening before the spawn: the program may be signalled as soon as it runs, and a
  // signal then queues for the handler (which runs once `child` is set) instead of
  // killing `record`.
  let child: ChildProcess | undefined;
  const forward = (signal: NodeJS.Signals) => child?.kill(signal);
  const ignore = () => {};
  for (const s of FORWARDED) process.on(s, forward);
  for (const s of IGNORED) process.on(s, ignore);
  try {
    const started = startProgram(executable, args, argv0, env, 'inherit');
    child = started.child;
    return await started.exitCode;
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    for (const s of IGNORED) process.off(s, ignore);
  }
}

/** A program started by a command: its process, and its exit code (128 + the signal that killed it, as a shell reports it). */
export interface StartedProgram {
  child: ChildProcess;
  exitCode: Promise<number>;
}

/** Spawns a program; a program that cannot start rejects `exitCode` with a RecordError. */
export function startProgram(
  executable: string,
  args: string[],
  argv0: string,
  env: NodeJS.ProcessEnv,
  stdio: StdioOptions,
): StartedProgram {
  const child = spawn(executable, args, { stdio, env, argv0 });
  const exitCode = new Promise<number>((resolve, reject) => {
    child.once('error', (err) => reject(new RecordError(`cannot run ${argv0}: ${err.message}`)));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
  return { child, exitCode };
}

/**
 * The output must be writable, and the profiles of an earlier recording to the same
 * output (it, its `<base>.<pid>.lhp` siblings and what lies beside them) must not
 * pass for this one's.
 */
export function prepareOutput(output: string, besideEach: string[] = []): void {
  try {
    for (const stale of [output, ...siblingProfiles(output)]) {
      fs.rmSync(stale, { force: true });
      for (const suffix of besideEach) fs.rmSync(`${stale}${suffix}`, { force: true });
    }
    fs.writeFileSync(output, '');
    fs.rmSync(output);
  } catch (err) {
    throw new RecordError(`cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The profiles a recording wrote: the output (when written) and its siblings. */
export function writtenProfiles(output: string): string[] {
  return [output, ...siblingProfiles(output)].filter((f) => fs.existsSync(f));
}

/** The pid in a sibling's name (`<base>.<pid>[.<n>][.js].lhp`). */
export function pidInName(file: string): number | undefined {
  const m = /\.(\d+)(?:\.\d+)?(?:\.js)?\.lhp$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A profile the recording wrote, as `record` reports it. */
export interface RecordedFile {
  path: string;
  pid: number;
  /** Allocations recorded (samples, for a sampling recorder). */
  allocations: number;
  /** The process was still running when the program ended. */
  running: boolean;
  warnings: string[];
}

export interface RecordResult {
  /** The child's exit code, or 128 + the signal that killed it. */
  exitCode: number;
  files: RecordedFile[];
}
