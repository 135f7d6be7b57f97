import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

// The symbol cache of the tests (and of the commands they run) is theirs, not the user's.
process.env.LEAKHOUND_CACHE_DIR ??= tmpDir('leakhound-cache-');
export const CLI = path.join(ROOT, 'dist', 'app', 'cli', 'main.js');

/** A fresh temporary directory, removed when the process exits. */
export function tmpDir(prefix = 'leakhound-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI contract for bad input: exit 1, nothing on stdout, one `leakhound: ` line on stderr, no stack trace. */
export function assertOneLineFailure(r: CliResult, pattern: RegExp, what: string): void {
  assert.equal(r.code, 1, `${what}: exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', `${what}: stdout`);
  assert.ok(!r.stderr.includes('    at '), `${what}: a stack trace on stderr:\n${r.stderr}`);
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `${what}: one line on stderr, got:\n${r.stderr}`);
  assert.equal(lines[1], '', `${what}: the line ends with a newline`);
  assert.match(lines[0], /^leakhound: /, what);
  assert.doesNotMatch(lines[0], /internal error/, what);
  assert.match(lines[0], pattern, what);
}

/** A hung command fails its test instead of hanging the suite (a guard, not a time asserted). */
const HANG_GUARD_MS = 120_000;

/** Runs the built CLI (npm test builds it first) as a user would. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const env = options.env && { ...process.env, ...options.env };
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: HANG_GUARD_MS,
    killSignal: 'SIGKILL',
    // `analyze --json --top N` of a real server's thousands of sites is megabytes
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface SourceFrameJson {
  function: string;
  file: string;
  line: number;
  module?: string;
  address?: number;
}
export interface GroupJson {
  verdict: string;
  leakedBytes: number;
  retainedBytes: number;
  /** Allocations recorded (in a sampled recording, samples). */
  totalCount: number;
  frames: SourceFrameJson[];
  explanation?: string;
  /** The process the group belongs to. */
  pid: number;
  command: string;
  /** The profile it comes from. */
  profile: string;
}
export interface ProcessJson {
  file: string;
  pid: number;
  command: string;
  verdict: string;
  role: string;
  recorder: string;
}
export interface AnalysisJson {
  verdict: 'leak' | 'no-leak';
  groups: GroupJson[];
  /** `heldBy`: the native sites holding it (a node recorded by both recorders). */
  unattributed: { series: string; verdict: string; growthBytesPerSecond: number; heldBy?: unknown[] }[];
  /** The process `verdict` speaks of. */
  process: ProcessJson;
  processes: ProcessJson[];
  /** A sampled recording's rate, and what it means for the verdicts. */
  sampling?: { intervalBytes: number; explanation: string };
}

/** `leakhound record -o <output> [flags] -- <command…>`, stdio captured; `env` added to the environment. */
export function recordCommand(
  output: string,
  command: string[],
  flags: string[] = [],
  env?: NodeJS.ProcessEnv,
): CliResult {
  return runCli(['record', '-o', output, ...flags, '--', ...command], { env });
}

/** `leakhound analyze <file> --json`, parsed; fails the test when analyze fails. */
export function analyzeJson(file: string): AnalysisJson {
  const r = runCli(['analyze', file, '--json']);
  if (r.code !== 0) throw new Error(`analyze ${file} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as AnalysisJson;
}
