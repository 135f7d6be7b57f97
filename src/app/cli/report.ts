import { Command, Option } from 'commander';
import { writeReport } from '../reports/write-report';
import type { DiagnoseOptions } from '../../diagnose/options';
import { formatBytes } from '../../util/units';
import { warn } from './errors';
import { diagnoseOptionsOf, withDiagnoseOptions } from './diagnose-options';
import { positiveInt } from './parse';

export function reportCommand(): Command {
  const command = new Command('report')
    .description(
      'write a self-contained HTML report: verdict, timeline, ranked sites with their graphs and backtraces, a flame graph of the bytes the leak sites retain',
    )
    .argument('<profile>', 'an .lhp recording (one still being written too), a heaptrack file or a .heapprofile')
    .option('-o, --output <file>', 'the report to write', 'report.html')
    .addOption(
      new Option('--groups <n>', 'sites with a graph and backtrace of their own').default(20).argParser(positiveInt),
    );
  return withDiagnoseOptions(command).action(
    (profile: string, opts: { output: string; groups: number } & DiagnoseOptions) => {
      const written = writeReport(profile, opts.output, { groups: opts.groups, ...diagnoseOptionsOf(opts) });
      for (const w of written.warnings) warn(w);
      process.stderr.write(`leakhound: wrote ${opts.output} (${formatBytes(written.bytes)})\n`);
    },
  );
}
