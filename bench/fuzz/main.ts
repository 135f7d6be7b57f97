/**
 * `npm run fuzz`: mutated recordings of every kind leakhound reads, analyzed in-process
 * (load, diagnose, render) with a time and memory limit each; failing inputs saved.
 *
 *   npm run fuzz -- --inputs 10000 --seed 7
 *   npm run fuzz -- --duration 1h --out /tmp/fuzz-failures
 *   npm run fuzz -- --seeds test/fixtures/fuzz-seeds --seed 15 --inputs 2400   # what npm test runs
 *   npm run fuzz -- --replay test-output/fuzz-failures/internal-7-123-native.lhp
 *
 * Exit 0 when no input failed, 1 when one did. How it works: docs/ARCHITECTURE.md, "bench/fuzz".
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { bytes, count, duration, positiveInt } from '../../src/app/cli/parse';
import { formatSeconds } from '../../src/util/units';
import { analyzeInProcess } from './analyze-in-process';
import { runFuzz } from './pool';
import { makeSeeds } from './seeds';
import { summaryLines } from './summary';

interface Options {
  inputs?: number;
  duration?: number;
  seed: number;
  out: string;
  timeLimit: number;
  memoryBase: number;
  memoryFactor: number;
  workers: number;
  seeds?: string;
  writeSeeds?: string;
  replay?: string;
}

const program = new Command('fuzz')
  .description('mutated recordings of every kind, analyzed in-process with a time and memory limit each')
  .addOption(new Option('--inputs <n>', 'how many inputs (10k, 1M); without --duration, default 1000').argParser(count))
  .addOption(
    new Option('--duration <time>', 'run this long (90s, 60m, 1h); with --inputs, whichever ends first').argParser(
      duration,
    ),
  )
  .addOption(
    new Option('--seed <n>', 'the run seed (default: a random one, printed)')
      .default(1 + Math.floor(Math.random() * 1e9))
      .argParser(positiveInt),
  )
  .addOption(new Option('--out <dir>', 'where failing inputs are written').default('test-output/fuzz-failures'))
  .addOption(new Option('--time-limit <time>', 'per input').default(2000, '2s').argParser(duration))
  .addOption(
    new Option('--memory-base <bytes>', 'RSS an input may add, plus --memory-factor × its size')
      .default(64 << 20, '64M')
      .argParser(bytes),
  )
  .addOption(
    new Option('--memory-factor <n>', 'RSS an input may add per byte of file').default(50).argParser(positiveInt),
  )
  .addOption(new Option('--workers <n>', 'worker processes').default(os.availableParallelism()).argParser(positiveInt))
  .option(
    '--seeds <dir>',
    'seed files to mutate (test/fixtures/fuzz-seeds: those npm test uses); default: fresh recordings',
  )
  .option('--write-seeds <dir>', 'make fresh seed files into a folder, and stop')
  .option('--replay <file>', 'analyze one saved input in this process and print what happened')
  .action(async (opts: Options) => {
    if (opts.replay) return replay(opts.replay);
    if (opts.writeSeeds) return makeSeeds(path.resolve(opts.writeSeeds));
    const stop = new AbortController();
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
    const summary = await runFuzz({
      seed: opts.seed,
      seeds: opts.seeds && path.resolve(opts.seeds),
      inputs: opts.inputs ?? (opts.duration === undefined ? 1000 : Infinity),
      durationMs: opts.duration ?? Infinity,
      timeLimitMs: opts.timeLimit,
      memoryBaseBytes: opts.memoryBase,
      memoryFactor: opts.memoryFactor,
      workers: opts.workers,
      outDir: path.resolve(opts.out),
      log: (line) => process.stderr.write(`${line}\n`),
      signal: stop.signal,
    });
    process.stdout.write(`${summaryLines(summary, path.resolve(opts.out)).join('\n')}\n`);
    process.exitCode = summary.failures.length > 0 ? 1 : 0;
  });

function replay(file: string): void {
  const started = performance.now();
  const outcome = analyzeInProcess(file);
  const cost = `${formatSeconds((performance.now() - started) / 1000)}, ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB RSS`;
  if (outcome.kind === 'ok') {
    const a = JSON.parse(outcome.json) as { verdict: string; groups: unknown[]; warnings: string[] };
    process.stdout.write(
      `analyzed: ${a.verdict}, ${a.groups.length} groups, ${a.warnings.length} warnings (${cost})\n`,
    );
  } else if (outcome.kind === 'refused') {
    process.stdout.write(`refused: ${outcome.message} (${cost})\n`);
  } else {
    const what = outcome.kind === 'internal' ? 'internal error' : 'a refusal the CLI would not print as promised';
    process.stdout.write(`${what} (${cost}): ${outcome.message}\n${outcome.stack}\n`);
    process.exitCode = 1;
  }
}

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`fuzz: ${err.message}\n`);
  process.exitCode = 2;
});
