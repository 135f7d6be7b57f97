import { Command, Option } from 'commander';
import { writeReport } from '../reports/write-report';
import { formatBytes } from '../../util/units';
import { warn } from './errors';
import { fraction, positiveInt } from './parse';

export function reportCommand(): Command {
  return new Command('report')
    .description('write a self-contained HTML report: verdict, timeline, ranked sites with their graphs and backtraces, a flame graph of leaked bytes')
    .argument('<profile>', 'an .lhp recording (one still being written too), a heaptrack file or a .heapprofile')
    .option('-o, --output <file>', 'the report to write', 'report.html')
    .addOption(new Option('--groups <n>', 'sites with a graph and backtrace of their own').default(20).argParser(positiveInt))
    .addOption(new Option('--exit-window <fraction>', 'last part of the run that counts as shutdown').default(0.02).argParser(fraction))
    .addOption(new Option('--warmup <fraction>', 'first part of the run that counts as warm-up').default(0.1).argParser(fraction))
    .action((profile: string, opts: { output: string; groups: number; exitWindow: number; warmup: number }) => {
      const written = writeReport(profile, opts.output, { groups: opts.groups, exitWindow: opts.exitWindow, warmup: opts.warmup });
      for (const w of written.warnings) warn(w);
      process.stderr.write(`leakhound: wrote ${opts.output} (${formatBytes(written.bytes)})\n`);
    });
}
