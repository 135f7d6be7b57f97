import { Command, Option } from 'commander';
import type { DiagnoseOptions } from '../../diagnose/diagnose';
import { diagnoseRecording } from '../../diagnose/recording';
import { recordingParts } from '../../api/recording';
import { diagnosisJson } from '../../render/json';
import { recordingText } from '../../render/text';
import { terminalText } from '../../render/terminal-text';
import { EXIT, warn } from './errors';
import { diagnoseOptionsOf, withDiagnoseOptions } from './diagnose-options';
import { positiveInt } from './parse';

export function analyzeCommand(): Command {
  const command = new Command('analyze')
    .description(
      'verdict of a whole recording (every process it wrote) and its allocation sites, most suspicious first',
    )
    .argument('<profile>', 'an .lhp recording, a heaptrack file or a .heapprofile')
    .option('--json', 'print one JSON object (the contract in docs/CLI.md)')
    .addOption(new Option('--top <n>', 'groups to show (default: 10, JSON 100)').argParser(positiveInt))
    .option('--fail-on-leak', 'exit 3 when the verdict is leak (any process of the recording leaks)');
  return withDiagnoseOptions(command).action(
    (path: string, opts: { json?: boolean; top?: number; failOnLeak?: boolean } & DiagnoseOptions) => {
      const rd = diagnoseRecording(recordingParts(path), diagnoseOptionsOf(opts));
      for (const skipped of rd.skipped) warn(skipped);
      if (opts.json) process.stdout.write(`${JSON.stringify(diagnosisJson(rd, path, opts.top ?? 100))}\n`);
      else {
        process.stdout.write(`${terminalText(recordingText(rd, path, opts.top ?? 10))}\n`);
        for (const w of rd.named.diagnosis.warnings) warn(w);
      }
      process.exitCode = opts.failOnLeak && rd.verdict === 'leak' ? EXIT.leak : EXIT.ok;
    },
  );
}
