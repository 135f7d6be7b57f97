/** What the recorder benchmarks share: running a whole command timed, finding the profiles it wrote, the median. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'app', 'cli', 'main.js');
/** Why `leakhound record` cannot run, if it cannot. */
export const CLI_MISSING = fs.existsSync(CLI)
  ? undefined
  : `not built (${path.relative(ROOT, CLI)} missing: npm run build)`;

export const has = (cmd: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** `leakhound record -o <out> [options] -- <program>`, the whole command as a user types it. */
export function recordCommand(program: string[], out: string, options: string[] = []): string[] {
  return [process.execPath, CLI, 'record', '-o', out, ...options, '--', ...program];
}

/**
 * The shell runs the command and then prints, with `times`, the CPU time its children used
 * (user and system, all processes of the command that were waited for).
 */
export const CPU_TIMES = '"$@"; s=$?; times >&2; exit $s';
const TIMES_LINE = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

/** The CPU seconds (user + system) in the last line of a command run through CPU_TIMES; undefined when it is not there. */
export function cpuSecondsIn(stderr: string): number | undefined {
  const times = stderr.trim().split('\n').slice(-1)[0].trim().match(TIMES_LINE);
  return times ? Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]) : undefined;
}

/**
 * Runs a command to its end: its wall time and the CPU time of all its processes, in
 * seconds; throws, naming it `name`, with the end of its stderr when it fails.
 */
export function timeCommand(
  name: string,
  command: string[],
  env?: NodeJS.ProcessEnv,
): { seconds: number; cpu: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', CPU_TIMES, 'sh', ...command], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = cpuSecondsIn(r.stderr ?? '');
  if (r.error || r.status !== 0 || cpu === undefined)
    throw new Error(`${name} failed (${r.error?.message ?? `exit ${r.status}`}): ${lastLines(r.stderr)}`);
  return { seconds, cpu };
}

export function lastLines(text: string | undefined, n = 3): string {
  return (text ?? '').trim().split('\n').slice(-n).join(' | ');
}

/**
 * Every file a run wrote in `dir` for the profile `out` (given without its extension):
 * `<out>.lhp`, `<out>.<pid>.lhp`, heaptrack's `<out>.zst`.
 */
export function profileFiles(dir: string, out: string): string[] {
  const base = path.basename(out);
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && !f.endsWith('.frames'))
    .map((f) => path.join(dir, f));
}

/** Total bytes of `files` (undefined when there are none), which are then deleted. */
export function takeBytes(files: string[]): number | undefined {
  const bytes = files.length ? files.reduce((sum, f) => sum + fs.statSync(f).size, 0) : undefined;
  for (const f of files) fs.rmSync(f);
  return bytes;
}

/** The median run by `key` (the upper one of an even count). */
export function median<T>(runs: T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)];
}
