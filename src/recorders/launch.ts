import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { siblingProfiles } from '../profile/siblings';
import { RecordError } from './errors';

/** Signals sent to `record` meant for the program. SIGINT and SIGQUIT come from the terminal to both. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/**
 * Runs the recorded program with stdio passed through and `record`'s signals
 * forwarded to it. Resolves to its exit code, or 128 + the signal that killed it
 * (as a shell reports it).
 */
export async function runRecorded(executable: string, args: string[], argv0: string, env: NodeJS.ProcessEnv): Promise<number> {
  // Listening before the spawn: the program may be signalled as soon as it runs, and a
  // signal then queues for the handler (which runs once `child` is set) instead of
  // killing `record`.
  let child: ChildProcess | undefined;
  const forward = (signal: NodeJS.Signals) => child?.kill(signal);
  const ignore = () => {};
  for (const s of FORWARDED) process.on(s, forward);
  for (const s of IGNORED) process.on(s, ignore);
  try {
    child = spawn(executable, args, { stdio: 'inherit', env, argv0 });
    const started = child;
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      started.once('error', (err) => reject(new RecordError(`cannot run ${argv0}: ${err.message}`)));
      started.once('exit', (code, signal) => resolve({ code, signal }));
    });
    return exit.code ?? 128 + (exit.signal ? os.constants.signals[exit.signal] : 0);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    for (const s of IGNORED) process.off(s, ignore);
  }
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

/** The pid in a sibling's name (`<base>.<pid>[.<n>].lhp`). */
export function pidInName(file: string): number | undefined {
  const m = /\.(\d+)(?:\.\d+)?\.lhp$/.exec(file);
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
