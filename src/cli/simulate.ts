import { Command, Option } from 'commander';
import { simulate } from '../simulate/simulate';
import { formatCount, formatSeconds } from '../util/units';
import { count, positiveInt } from './parse';

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('write a deterministic demo recording that shows every leak pattern')
    .requiredOption('-o, --output <file>', 'the .lhp file to write')
    .addOption(new Option('--allocations <n>', 'about how many allocations (200k, 10M, …)').default(200_000).argParser(count))
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(positiveInt))
    .option('--compress', 'compress with zstd (needs the zstd command)')
    .action((opts: { output: string; allocations: number; seed: number; compress?: boolean }) => {
      const s = simulate({ ...opts, progress: process.stderr.isTTY === true });
      process.stderr.write(
        `wrote ${opts.output}: ${formatCount(s.allocations)} allocations, ${formatCount(s.frees)} frees, ${formatSeconds(s.runtimeSeconds)} simulated\n` +
          `next: leakhound analyze ${opts.output}\n`,
      );
    });
}
