import { Command, Option } from 'commander';
import { diagnose, DiagnoseOptions } from '../../diagnose/diagnose';
import { ProcessSummary, summarizeProcess } from '../../diagnose/process-summary';
import { loadSync } from '../../api/load';
import { siblingProfiles } from '../../format/siblings';
import { diagnosisJson } from '../../render/json';
import { diagnosisText, processesText } from '../../render/text';
import { terminalText } from '../../render/terminal-text';
import { EXIT, warn } from './errors';
import { diagnoseOptionsOf, withDiagnoseOptions } from './diagnose-options';
import { positiveInt } from './parse';

export function analyzeCommand(): Command {
  const command = new Command('analyze')
    .description('verdict and ranked allocation sites of a recording, and a line for each of its other processes')
    .argument('<profile>', 'an .lhp recording, a heaptrack file or a .heapprofile')
    .option('--json', 'print one JSON object (the contract in docs/CLI.md)')
    .addOption(new Option('--top <n>', 'groups to show').argParser(positiveInt))
    .option('--fail-on-leak', 'exit 3 when the verdict of the recording or of any of its other processes is leak');
  return withDiagnoseOptions(command).action(
    (path: string, opts: { json?: boolean; top?: number; failOnLeak?: boolean } & DiagnoseOptions) => {
      const options = diagnoseOptionsOf(opts);
      const profile = loadSync(path);
      const d = diagnose(profile, options);
      const processes = siblingSummaries(path, options);
      if (opts.json) process.stdout.write(`${JSON.stringify(diagnosisJson(d, path, opts.top ?? 100, processes))}\n`);
      else {
        process.stdout.write(`${terminalText(diagnosisText(d, path, opts.top ?? 10))}\n`);
        if (processes.length) process.stdout.write(`\n${terminalText(processesText(processes))}\n`);
      }
      if (!opts.json) for (const w of profile.info.warnings) warn(w);
      const leaking = d.verdict === 'leak' || processes.some((p) => p.verdict === 'leak');
      process.exitCode = opts.failOnLeak && leaking ? EXIT.leak : EXIT.ok;
    },
  );
}

/** The recording's other profiles, diagnosed alike; one that cannot be read is a warning, not a failure. */
function siblingSummaries(path: string, options: DiagnoseOptions): ProcessSummary[] {
  const summaries: ProcessSummary[] = [];
  for (const file of siblingProfiles(path)) {
    try {
      const profile = loadSync(file);
      summaries.push(summarizeProcess(file, profile, diagnose(profile, options)));
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      // LhpError messages name the file already
      warn(`${message.includes(file) ? message : `${file}: ${message}`} (skipped)`);
    }
  }
  return summaries;
}
