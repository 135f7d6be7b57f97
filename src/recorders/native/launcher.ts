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
import { isJsProfileName } from '../../format/siblings';
import { describeNodeProfile, withAgent } from '../node/launcher';
import { NATIVE_ROOT_PID_ENV, NodeRecorderSettings } from '../node/settings';
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
  /** Sampled mode: one allocation per this many bytes allocated, on average (sampling.c); every allocation when undefined. */
  sample?: number;
  /**
   * The node agent's settings: every node process the program starts also gets the
   * agent, which writes its JavaScript profile beside the native one
   * (`<base>.<pid>.js.lhp`).
   */
  node: Omit<NodeRecorderSettings, 'output' | 'besideNative' | 'noFollow'>;
}

const LIBRARY = path.join(__dirname, 'libleakhound.so');
/** What builds it (npm install runs it): in a clone and in an installed package alike. */
const BUILD_SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'build-native.js');

/**
 * Runs a native program with the recorder preloaded, and the node agent in every
 * node process it starts: stdio passed through, signals forwarded, then every
 * native profile the run wrote is symbolized.
 */
export async function recordNative(
  executable: string,
  args: string[],
  argv0: string,
  options: NativeRecordOptions,
): Promise<RecordResult> {
  if (!fs.existsSync(LIBRARY))
    throw new RecordError(
      `the native recorder is not built (${LIBRARY} is missing): build it with \`node ${BUILD_SCRIPT}\` (needs a C compiler)`,
    );
  const output = path.resolve(options.output);
  prepareOutput(output, ['.frames']);
  const env = withAgent({ ...process.env }, { ...options.node, output, besideNative: true, noFollow: !options.follow });
  delete env[NATIVE_ROOT_PID_ENV];
  env.LD_PRELOAD = [preloadable(LIBRARY), env.LD_PRELOAD].filter(Boolean).join(' ');
  env.LEAKHOUND_OUTPUT = output;
  env.LEAKHOUND_UNWIND = options.unwind;
  if (!options.follow) env.LEAKHOUND_NO_FOLLOW = '1';
  env.LEAKHOUND_COMPRESS = options.compress ? '1' : '0';
  if (options.sample === undefined) delete env.LEAKHOUND_SAMPLE;
  else env.LEAKHOUND_SAMPLE = String(options.sample);

  const exitCode = await runRecorded(executable, args, argv0, env);
  const files = writtenProfiles(output).map((file) =>
    isJsProfileName(file) ? describeNodeProfile(file) : finalize(file),
  );
  return { exitCode, files };
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
