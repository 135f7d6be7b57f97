import { Command, InvalidArgumentError, Option } from 'commander';
import { simulate } from '../../simulate/simulate';
import { regularOutput } from '../../util/regular-files';
import { formatCount, formatSeconds } from '../../util/units';
import { count, positiveInt } from './parse';

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('write a deterministic demo recording that shows every leak pattern')
    .requiredOption('-o, --output <file>', 'the .lhp file to write')
    .addOption(
      new Option('--allocations <n>', 'about how many allocations (200k, 10M, …)')
        .default(200_000)
        .argParser(allocationCount),
    )
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(positiveInt))
    .option('--compress', 'compress with zstd (needs the zstd command)')
    .action((opts: { output: string; allocations: number; seed: number; compress?: boolean }) => {
      regularOutput(opts.output);
      const s = simulate({ ...opts, progress: process.stderr.isTTY === true });
      process.stderr.write(
        `wrote ${opts.output}: ${formatCount(s.allocations)} allocations, ${formatCount(s.frees)} frees, ${formatSeconds(s.runtimeSeconds)} simulated\n` +
          `next: leakhound analyze ${opts.output}\n`,
      );
    });
}

/**
 * At most 100M allocations: about 2.5 GB of recording (25 bytes an allocation), several GB of
 * memory to analyze it and minutes to write; more is a typo, not a demo.
 */
const MAX_SIMULATED_ALLOCATIONS = 100e6;

function allocationCount(value: string): number {
  const n = count(value);
  if (n > MAX_SIMULATED_ALLOCATIONS)
    throw new InvalidArgumentError(
      `at most 100M: ${formatCount(n)} allocations would be a ${formatCount(Math.round((n * 25) / 1e9))} GB recording`,
    );
  return n;
}
