import { Command } from 'commander';
import { loadSync } from '../../api/load';
import { runScript } from '../../script/run-script';
import { checkRegularInput } from '../../util/regular-files';

export function scriptCommand(): Command {
  return new Command('script')
    .description(
      "run a TypeScript or JavaScript analysis with the query API's verbs in scope: allocations(), graph(), data(), println() (docs/SCRIPT.md)",
    )
    .argument('<script>', 'an analysis script (.ts or .js)')
    .argument('<profile>', 'an .lhp recording, a heaptrack file or a .heapprofile')
    .argument('[args...]', "the script's own arguments (argv)")
    .option('--output-dir <dir>', 'where graph().save() without a file writes graph-1.svg, graph-2.svg, …', '.')
    .action(async (script: string, profilePath: string, args: string[], opts: { outputDir: string }) => {
      checkRegularInput(script);
      const profile = loadSync(profilePath);
      await runScript(script, profile, {
        outputDir: opts.outputDir,
        argv: args,
        out: (line) => process.stdout.write(`${line}\n`),
        note: (line) => process.stderr.write(`leakhound: ${line}\n`),
      });
    });
}
