import { once } from 'node:events';
import { RecordError } from '../errors';
import { startProgram, StartedProgram } from '../launch';
import { assertProcess, commandOf, ProcReadError } from './proc';

/** The process a watch samples: one already running, or a program it started. */
export interface WatchTarget {
  pid: number;
  command: string;
  /** Set when `watch` started the program. */
  launched?: StartedProgram;
  /** Resolves when the program's output has all been passed on. */
  outputDone?: Promise<unknown>;
}

/** A running process by pid; a clear error when there is none (or it may not be read). */
export function runningTarget(pid: number): WatchTarget {
  try {
    assertProcess(pid);
  } catch (err) {
    if (err instanceof ProcReadError)
      throw new RecordError(err.failure === 'gone' ? `no process with pid ${pid}` : err.message);
    throw err;
  }
  return { pid, command: commandOf(pid) };
}

/**
 * Starts the program with its output piped to `output` (the caller keeps stdout for
 * itself), resolving once it runs; a program that cannot start is a RecordError.
 */
export async function launchTarget(
  command: string,
  args: string[],
  output: (chunk: Buffer) => void,
): Promise<WatchTarget> {
  const launched = startProgram(command, args, command, process.env, ['inherit', 'pipe', 'pipe']);
  const { child } = launched;
  const outputDone = once(child, 'close').catch(() => undefined);
  child.stdout?.on('data', output);
  child.stderr?.on('data', output);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    launched.exitCode.catch(reject);
  });
  return { pid: child.pid!, command: [command, ...args].join(' '), launched, outputDone };
}

/** Stops a program `watch` started and still running: SIGTERM, then SIGKILL after `graceMs`. Resolves to its exit code. */
export async function stopLaunched(program: StartedProgram, graceMs = 5000): Promise<number> {
  const { child } = program;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await program.exitCode;
    } finally {
      clearTimeout(escalate);
    }
  }
  return program.exitCode;
}
