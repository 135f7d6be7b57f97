import * as path from 'node:path';
import { LhpVisitor, readLhp } from '../../format/reader';
import {
  isRunning,
  pidInName,
  prepareOutput,
  RecordedFile,
  RecordResult,
  runRecorded,
  writtenProfiles,
} from '../launch';
import { NodeRecorderSettings, ROOT_PID_ENV, settingsToEnv } from './settings';

const AGENT = path.join(__dirname, 'agent.js');

/**
 * Runs a command with the agent required into each of its node processes
 * (through NODE_OPTIONS, which child processes and worker threads inherit), and
 * lists the profiles they wrote.
 */
export async function recordNode(
  executable: string,
  args: string[],
  argv0: string,
  settings: NodeRecorderSettings,
): Promise<RecordResult> {
  const output = path.resolve(settings.output);
  prepareOutput(output);
  const env = withAgent({ ...process.env }, { ...settings, output });
  const exitCode = await runRecorded(executable, args, argv0, env);
  return { exitCode, files: writtenProfiles(output).map(describeNodeProfile) };
}

/** `env` with the agent required into every node process started with it, and its settings. */
export function withAgent(env: NodeJS.ProcessEnv, settings: NodeRecorderSettings): NodeJS.ProcessEnv {
  Object.assign(env, settingsToEnv(settings));
  delete env[ROOT_PID_ENV];
  env.NODE_OPTIONS = [env.NODE_OPTIONS, `--require ${quoted(AGENT)}`].filter(Boolean).join(' ');
  return env;
}

/** NODE_OPTIONS splits at spaces unless in double quotes, where \ escapes. */
function quoted(file: string): string {
  return /[\s"\\]/.test(file) ? `"${file.replace(/["\\]/g, '\\$&')}"` : file;
}

/** A profile the agent wrote, as `record` reports it: its pid, samples, and whether it was finished. */
export function describeNodeProfile(file: string): RecordedFile {
  const pid = pidInName(file);
  try {
    const read = readLhp(file, IGNORE_ALL, { definitionsOnly: true });
    const running = !read.clean && isRunning(read.header.pid);
    const warnings =
      read.clean || running
        ? []
        : [
            `pid ${read.header.pid} ended without finishing its profile (killed?): it holds what was recorded up to its last poll`,
          ];
    return { path: file, pid: read.header.pid, allocations: read.skippedAllocations, running, warnings };
  } catch (err) {
    return { path: file, pid: pid ?? 0, allocations: 0, running: false, warnings: [(err as Error).message] };
  }
}

const ignore = (): void => {};
const IGNORE_ALL: LhpVisitor = {
  string: ignore,
  frame: ignore,
  stack: ignore,
  alloc: ignore,
  free: ignore,
  realloc: ignore,
  sample: ignore,
  mark: ignore,
  thread: ignore,
  process: ignore,
  module: ignore,
  end: ignore,
  symbol: ignore,
};
