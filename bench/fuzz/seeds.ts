/**
 * The fuzzer's seeds: one small recording of every kind leakhound reads, plain and
 * compressed. `npm run fuzz` makes them fresh at every start (new addresses, pids and
 * timings each time), which needs the built CLI (`npm run build`), a C compiler and
 * the zstd command; `npm test` uses a set made once and committed, so that its inputs
 * are the same bytes on every run.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { decompressZstd as decompress } from '../../src/format/zstd-codec';
import { simulate } from '../../src/simulate/simulate';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'app', 'cli', 'main.js');
/** A real heaptrack 1.4.0 recording (test/fixtures/interop/README.md). */
const HEAPTRACK = path.join(ROOT, 'test', 'fixtures', 'interop', 'heaptrack.linear.zst');

/** The committed set (`npm run fuzz -- --write-seeds test/fixtures/fuzz-seeds` made it). */
export const COMMITTED_SEEDS = path.join(ROOT, 'test', 'fixtures', 'fuzz-seeds');

/** The seed files, by name; the name says how the fuzzer mutates each (see mutate.ts). */
export const SEED_NAMES = [
  'simulate.lhp',
  'simulate.lhp.zst',
  'native.lhp',
  'native.lhp.zst',
  'node.lhp',
  'node.lhp.zst',
  'rss.lhp',
  'rss.lhp.zst',
  'heaptrack.txt',
  'heaptrack.gz',
  'heaptrack.zst',
  'node.heapprofile',
] as const;

async function leakhound(args: string[], cwd: string): Promise<void> {
  try {
    await run(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, LEAKHOUND_CACHE_DIR: path.join(cwd, 'cache') },
    });
  } catch (err) {
    throw new Error(
      `cannot make a fuzz seed: leakhound ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr || (err as Error).message}`,
    );
  }
}

async function zstd(input: string, output: string): Promise<void> {
  await run('zstd', ['-q', '-f', '-o', output, input]);
}

async function nativeSeeds(dir: string): Promise<void> {
  const program = path.join(dir, 'seed-program');
  await run(process.env.CC || 'cc', [
    '-O1',
    '-g',
    '-fno-omit-frame-pointer',
    '-pthread',
    '-o',
    program,
    path.join(__dirname, 'seed-program.c'),
  ]);
  await leakhound(['record', '--no-compress', '-o', 'native.lhp', '--', program], dir);
  await leakhound(['record', '-o', 'native.lhp.zst', '--', program], dir);
}

async function nodeSeeds(dir: string): Promise<void> {
  const script = path.join(__dirname, 'seed-program.js');
  await leakhound(['record', '--sampling-interval', '1k', '-o', 'node.lhp', '--', process.execPath, script], dir);
  await zstd(path.join(dir, 'node.lhp'), path.join(dir, 'node.lhp.zst'));
  await run(process.execPath, [
    '--heap-prof',
    `--heap-prof-dir=${dir}`,
    '--heap-prof-name=node.heapprofile',
    '--heap-prof-interval=4096',
    script,
  ]);
}

async function rssSeeds(dir: string): Promise<void> {
  // two processes, so the recording has per-process series and process records
  await leakhound(
    [
      'watch',
      '--interval',
      '100ms',
      '--duration',
      '1s',
      '--tree',
      '--record-to',
      'rss.lhp',
      '--',
      'sh',
      '-c',
      'sleep 1.5 & sleep 5',
    ],
    dir,
  );
  await zstd(path.join(dir, 'rss.lhp'), path.join(dir, 'rss.lhp.zst'));
}

function simulateSeeds(dir: string): void {
  simulate({ output: path.join(dir, 'simulate.lhp'), allocations: 1000, seed: 1 });
  simulate({ output: path.join(dir, 'simulate.lhp.zst'), allocations: 1000, seed: 1, compress: true });
}

/**
 * The committed recording as heaptrack wrote it (zstd), and a third of its text (up to
 * its second clock line, then its closing lines) plain and gzip-compressed: its 9,001
 * allocations take most of an input's time, and a third covers the same lines.
 */
function heaptrackSeeds(dir: string): void {
  const compressed = fs.readFileSync(HEAPTRACK);
  const lines = Buffer.from(decompress(compressed)).toString('utf8').split('\n');
  const secondClock = lines.findIndex(
    (line, i) => line.startsWith('c ') && lines.slice(0, i).some((l) => l.startsWith('c ')),
  );
  const text = [...lines.slice(0, secondClock + 2), ...lines.slice(-5)].join('\n');
  fs.writeFileSync(path.join(dir, 'heaptrack.zst'), compressed);
  fs.writeFileSync(path.join(dir, 'heaptrack.gz'), zlib.gzipSync(text));
  fs.writeFileSync(path.join(dir, 'heaptrack.txt'), text);
}

/** Writes every seed into `dir` (made if missing). */
export async function makeSeeds(dir: string): Promise<void> {
  if (!fs.existsSync(CLI))
    throw new Error(`${CLI} is missing: run npm run build first (the seeds are recorded with the built CLI)`);
  fs.mkdirSync(dir, { recursive: true });
  simulateSeeds(dir);
  heaptrackSeeds(dir);
  await Promise.all([nativeSeeds(dir), nodeSeeds(dir), rssSeeds(dir)]);
  fs.rmSync(path.join(dir, 'seed-program'));
  fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
}

/** Throws, naming them, when seeds are missing from `dir`. */
export function checkSeeds(dir: string): void {
  const missing = SEED_NAMES.filter((name) => !fs.existsSync(path.join(dir, name)));
  if (missing.length > 0) throw new Error(`no fuzz seeds ${missing.join(', ')} in ${dir}`);
}
