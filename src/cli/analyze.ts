import { Command, Option } from 'commander';
import { diagnose } from '../diagnose/diagnose';
import { loadSync } from '../profile/loader';
import { diagnosisJson } from '../render/json';
import { diagnosisText } from '../render/text';
import { EXIT } from './errors';
import { fraction, positiveInt } from './parse';

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('verdict and ranked allocation sites of a recording')
    .argument('<profile>', 'an .lhp recording')
    .option('--json', 'print one JSON object (the contract in docs/CLI.md)')
    .addOption(new Option('--top <n>', 'groups to show').argParser(positiveInt))
    .option('--fail-on-leak', 'exit 3 when the verdict is leak')
    .addOption(new Option('--exit-window <fraction>', 'last part of the run that counts as shutdown').default(0.02).argParser(fraction))
    .addOption(new Option('--warmup <fraction>', 'first part of the run that counts as warm-up').default(0.1).argParser(fraction))
    .action((path: string, opts: { json?: boolean; top?: number; failOnLeak?: boolean; exitWindow: number; warmup: number }) => {
      const profile = loadSync(path);
      const d = diagnose(profile, { exitWindow: opts.exitWindow, warmup: opts.warmup });
      if (opts.json) process.stdout.write(`${JSON.stringify(diagnosisJson(d, path, opts.top ?? 100))}\n`);
      else process.stdout.write(`${diagnosisText(d, path, opts.top ?? 10)}\n`);
      if (!opts.json) for (const w of profile.info.warnings) process.stderr.write(`leakhound: warning: ${w}\n`);
      process.exitCode = opts.failOnLeak && d.verdict === 'leak' ? EXIT.leak : EXIT.ok;
    });
}
