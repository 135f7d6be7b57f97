/**
 * The Node.js recorder's agent: `leakhound record` puts `--require <this file>`
 * into NODE_OPTIONS, so it runs first in every node process of the command and
 * in every worker thread. It must never break the program: anything that fails
 * here turns the recording off with one line on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { openHeapSampler } from './heap-sampler';
import { NodeRecorder } from './node-recorder';
import { NATIVE_ROOT_PID_ENV, NodeRecorderSettings, ROOT_PID_ENV, settingsFromEnv } from './settings';

/** Package managers' own processes (`npm start` runs node twice before the program): not the program. */
const LAUNCHER_SCRIPT = /^(npm-cli|npx-cli|npm|npx|yarn|pnpm|pnpx|corepack)(\.c?js)?$/;

function start(): void {
  const settings = settingsFromEnv(process.env);
  if (!settings) return;
  if (isMainThread && LAUNCHER_SCRIPT.test(path.basename(process.argv[1] ?? ''))) return;
  // The sampler is opened first (loading the addon takes a few ms): the profile is
  // claimed and its header written right after: a kill in between, which leaves an
  // empty profile, has microseconds to land, not milliseconds.
  const { sampler, fallback } = openHeapSampler(settings.useAddon);
  const file = profilePath(settings);
  if (!file) return;
  // V8 charges an allocation in an inlined function to its caller: keep frames exact.
  if (!settings.keepInlining) v8.setFlagsFromString('--no-turbo-inlining');
  // said once, by the process that writes the recording's first profile: the others fall back alike
  if (fallback && isFirstProcess(file, settings))
    process.stderr.write(`leakhound: ${INSPECTOR_COST} (the heap sampler addon is not available: ${fallback})\n`);
  new NodeRecorder(file, settings, sampler).start();
}

const INSPECTOR_COST =
  'polling the heap through the inspector: each poll is a full GC, so polls are 0.5-60 s apart and a few-second run gets only a handful';

/**
 * The first process to start takes the output; the others write
 * `<base>.<pid>.lhp` beside it, worker threads `<base>.<pid>.<thread>.lhp`.
 * Beside the native recorder, which owns the output, every process writes
 * `<base>.<pid>.js.lhp`, worker threads `<base>.<pid>.<thread>.js.lhp`.
 */
function profilePath(settings: NodeRecorderSettings): string | undefined {
  const base = settings.output.replace(/\.lhp$/, '');
  if (settings.besideNative) {
    const root = process.env[NATIVE_ROOT_PID_ENV];
    if (settings.noFollow && root && root !== String(process.pid)) return undefined;
    return isMainThread ? `${base}.${process.pid}.js.lhp` : `${base}.${process.pid}.${threadId}.js.lhp`;
  }
  const root = process.env[ROOT_PID_ENV];
  if (settings.noFollow && root && root !== String(process.pid)) return undefined;
  if (!isMainThread) return `${base}.${process.pid}.${threadId}.lhp`;
  try {
    fs.closeSync(fs.openSync(settings.output, 'wx'));
    process.env[ROOT_PID_ENV] = String(process.pid);
    return settings.output;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return `${base}.${process.pid}.lhp`;
  }
}

function isFirstProcess(file: string, settings: NodeRecorderSettings): boolean {
  if (!settings.besideNative) return file === settings.output;
  return isMainThread && process.env[NATIVE_ROOT_PID_ENV] === String(process.pid);
}

try {
  start();
} catch (err) {
  process.stderr.write(`leakhound: not recording pid ${process.pid}: ${(err as Error).message}\n`);
}
