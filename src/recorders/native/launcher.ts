import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RecordError } from '../errors';
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

export interface RecordedFile {
  path: string;
  pid: number;
  allocations: number;
  /** The process was still running when the program ended: symbolized at load instead. */
  running: boolean;
  warnings: string[];
}

export interface NativeRecordResult {
  /** The child's exit code, or 128 + the signal that killed it (as a shell reports it). */
  exitCode: number;
  files: RecordedFile[];
}

const LIBRARY = path.join(__dirname, 'libleakhound.so');

/** Signals sent to `record` meant for the program. SIGINT and SIGQUIT come from the terminal to both. */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const IGNORED: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/**
 * Runs a native program with the recorder preloaded: stdio passed through, signals
 * forwarded, then every profile the run wrote is symbolized.
 */
export async function recordNative(executable: string, args: string[], argv0: string, options: NativeRecordOptions): Promise<NativeRecordResult> {
  if (!fs.existsSync(LIBRARY)) throw new RecordError(`the native recorder is not built (${LIBRARY} is missing): run npm install, which needs a C compiler`);
  const output = path.resolve(options.output);
  prepareOutput(output);
  const env = { ...process.env };
  delete env.LEAKHOUND_ROOT_PID;
  env.LD_PRELOAD = [preloadable(LIBRARY), env.LD_PRELOAD].filter(Boolean).join(' ');
  env.LEAKHOUND_OUTPUT = output;
  env.LEAKHOUND_UNWIND = options.unwind;
  if (!options.follow) env.LEAKHOUND_NO_FOLLOW = '1';
  env.LEAKHOUND_COMPRESS = options.compress ? '1' : '0';

  const child = spawn(executable, args, { stdio: 'inherit', env, argv0 });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const ignore = () => {};
  for (const s of FORWARDED) process.on(s, forward);
  for (const s of IGNORED) process.on(s, ignore);
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    exit = await new Promise((resolve, reject) => {
      child.once('error', (err) => reject(new RecordError(`cannot run ${argv0}: ${err.message}`)));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    for (const s of IGNORED) process.off(s, ignore);
  }

  const written = [output, ...siblings(output)].filter((f) => fs.existsSync(f));
  const files = written.map((file) => finalize(file));
  const signalNumber = exit.signal ? os.constants.signals[exit.signal] : 0;
  return { exitCode: exit.code ?? 128 + signalNumber, files };
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
  const pid = readPid(file) ?? 0;
  if (pid && isRunning(pid)) return { path: file, pid, allocations: 0, running: true, warnings: [] };
  try {
    const r = finalizeRecording(file);
    return { path: file, pid: r.pid, allocations: r.allocations, running: false, warnings: r.warnings };
  } catch (err) {
    return { path: file, pid, allocations: 0, running: false, warnings: [`not symbolized: ${(err as Error).message}`] };
  }
}

/**
 * The output must be writable, and the profiles of an earlier recording to the same
 * output (it and its `<base>.<pid>.lhp` siblings) must not pass for this one's.
 */
function prepareOutput(output: string): void {
  try {
    for (const stale of [output, ...siblings(output)]) {
      fs.rmSync(stale, { force: true });
      fs.rmSync(`${stale}.frames`, { force: true });
    }
    fs.writeFileSync(output, '');
    fs.rmSync(output);
  } catch (err) {
    throw new RecordError(`cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Files `<base>.<pid>[.<n>].lhp` beside the output: the other processes' profiles. */
function siblings(output: string): string[] {
  const dir = path.dirname(output);
  const base = path.basename(output).replace(/\.lhp$/, '');
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+(\\.\\d+)?\\.lhp$`);
  return fs.readdirSync(dir).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
}

function readPid(file: string): number | undefined {
  const m = /\.(\d+)(?:\.\d+)?\.lhp$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
