/**
 * The C unit tests of the native recorder (test/unit/recorders/native-unit/*.c): each program is
 * linked with the recording's C files (not hooks.c and preload.c: nothing is
 * interposed), drives a recording through lh_record.h and prints a line per check,
 * "ok\t<name>" or "FAIL\t<name>\t<why>". Built with the library's own flags
 * (scripts/build-native.js). Each check below must be printed "ok".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { nativeCodeFlags, nativeSourceDir, nativeSources } from '../../../scripts/build-native.js';
import { tmpDir } from '../../helpers/helpers';

const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';
const UNIT = path.join(__dirname, 'native-unit');
/** The preloaded side, left out: the tests call the recording's API themselves. */
const PRELOAD = new Set(['hooks.c', 'preload.c']);

const PROGRAMS: Record<string, string[]> = {
  encoding: [
    'varints are LEB128, byte for byte',
    'the stream is whole records to its last byte',
    'the stream has its start records',
    'the thread is named once, by its tid',
    'shortAlloc: the address and the (size, stack) info, of its thread',
    'shortRealloc: both addresses and the (size, stack) info, of its thread',
    'shortFree: the address',
    "a loop's alloc/free pairs: repeat records, read back as every pair",
    'one end record, last',
    "each record's length is its fields' bytes",
    'times never step back',
  ],
  dedup: [
    'every event is in the stream',
    'the same backtrace gets one id',
    'different backtraces get different ids',
    'each stack and frame is defined once',
    'each frame address is defined once',
    'ids are defined before they are used',
  ],
  tables: [
    'every thread gets the same id for a stack',
    'different stacks get distinct ids, 1 to N',
    "a lock-free lookup gives nothing or the stack's id",
    'every stack is found lock-free once inserted',
    'each frame address has one id',
    'each stack is written once',
  ],
  terminate: [
    'the handler returns with the recording stopped',
    "the stream is whole, with the threads' events",
    'one end record, last',
    'the frame table is beside the stream',
  ],
};

/** The environment without the recorder's settings (a test run under `record` must not pass them on). */
function cleanEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, UNIT_DIR: dir };
  for (const name of Object.keys(env)) if (name.startsWith('LEAKHOUND_') || name === 'LD_PRELOAD') delete env[name];
  return env;
}

/** Builds test/unit/recorders/native-unit/<name>.c with the recording and runs it: each check's outcome by name. */
function runProgram(name: string): { code: number | null; outcomes: Map<string, string>; output: string } {
  const dir = tmpDir('leakhound-native-unit-');
  const binary = path.join(dir, name);
  const sources = nativeSources().filter((f: string) => !PRELOAD.has(path.basename(f)));
  const cc = process.env.CC || 'cc';
  const build = spawnSync(
    cc,
    [...nativeCodeFlags, '-I', nativeSourceDir, '-o', binary, path.join(UNIT, `${name}.c`), ...sources, '-ldl', '-lm'],
    { encoding: 'utf8' },
  );
  if (build.error || build.status !== 0)
    throw new Error(`${cc} failed to build ${name}.c: ${build.error?.message ?? build.stderr}`);
  const run = spawnSync(binary, [], { encoding: 'utf8', env: cleanEnv(dir), timeout: 120_000 });
  const outcomes = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const [outcome, check, why] = line.split('\t');
    if (check !== undefined) outcomes.set(check, why === undefined ? outcome : `${outcome}: ${why}`);
  }
  return { code: run.status, outcomes, output: `${run.stdout}${run.stderr}` };
}

describe('native recorder: C unit tests (test/unit/recorders/native-unit)', { skip: LINUX_ONLY }, () => {
  for (const [program, checks] of Object.entries(PROGRAMS)) {
    describe(`${program}.c`, () => {
      let result: ReturnType<typeof runProgram>;
      before(() => {
        result = runProgram(program);
      });
      for (const check of checks) {
        it(check, () => assert.equal(result.outcomes.get(check), 'ok', result.output));
      }
      it('exits 0 and prints no check not listed here', () => {
        assert.equal(result.code, 0, result.output);
        assert.deepEqual([...result.outcomes.keys()].sort(), [...checks].sort());
      });
    });
  }
});
