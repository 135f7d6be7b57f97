import { Command, Option } from 'commander';
import { recordingParts } from '../../api/recording';
import type { DiagnoseOptions } from '../../diagnose/diagnose';
import { diagnoseRecording } from '../../diagnose/recording';
import { COMPARE_RULES, ComparedRecording, compareRecordings } from '../../diagnose/compare/compare';
import { comparedRecording } from '../../diagnose/compare/from-diagnosis';
import { comparisonJson } from '../../render/compare-json';
import { comparisonText } from '../../render/compare-text';
import { terminalText } from '../../render/terminal-text';
import { diagnoseOptionsOf, withDiagnoseOptions } from './diagnose-options';
import { EXIT, warn } from './errors';
import { percentage } from './parse';

export function compareCommand(): Command {
  const command = new Command('compare')
    .description(
      'did a change introduce, grow or fix a leak? matches the sites of two recordings and compares their verdicts',
    )
    .argument('<base>', "the recording of the base's run (an .lhp recording, a heaptrack file or a .heapprofile)")
    .argument('<head>', "the recording of the change's run")
    .option('--json', 'print one JSON object (the contract in docs/COMPARE.md)')
    .addOption(
      new Option('--threshold <percent>', 'a leak grown by more than this much is a regression (20% or 20)')
        .default(COMPARE_RULES.defaultThresholdPercent, '20%')
        .argParser(percentage),
    )
    .option('--fail-on-regression', 'exit 3 when there is a new leak or a leak grown beyond the threshold');
  return withDiagnoseOptions(command).action(
    (
      basePath: string,
      headPath: string,
      opts: { json?: boolean; threshold: number; failOnRegression?: boolean } & DiagnoseOptions,
    ) => {
      const options = diagnoseOptionsOf(opts);
      const base = recordingSites(basePath, options, !opts.json);
      // the same file twice is one load: "did anything change?" of a run against itself is no
      const head = headPath === basePath ? base : recordingSites(headPath, options, !opts.json);
      const comparison = compareRecordings(base, head, opts.threshold);
      if (opts.json) process.stdout.write(`${JSON.stringify(comparisonJson(comparison))}\n`);
      else process.stdout.write(`${terminalText(comparisonText(comparison))}\n`);
      process.exitCode = opts.failOnRegression && comparison.regression ? EXIT.leak : EXIT.ok;
    },
  );
}

/** One recording's sites, of every process in it: the one place compare loads and diagnoses a file. */
function recordingSites(path: string, options: DiagnoseOptions, warnings: boolean): ComparedRecording {
  const rd = diagnoseRecording(recordingParts(path), options);
  for (const skipped of rd.skipped) warn(skipped);
  if (warnings)
    for (const { file, warning } of rd.warnings) warn(warning.includes(file) ? warning : `${file}: ${warning}`);
  return comparedRecording(path, rd);
}
