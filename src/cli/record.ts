import { Command, Option } from 'commander';
import * as path from 'node:path';
import { diagnose } from '../diagnose/diagnose';
import { loadSync } from '../profile/loader';
import { detectRecorder } from '../recorders/detect';
import { recordNative, UnwindMode } from '../recorders/native/launcher';
import { formatCount } from '../util/units';
import { CliError, EXIT } from './errors';

interface RecordOptions {
  output: string;
  follow: boolean;
  compress: boolean;
  unwind: UnwindMode;
  failOnLeak?: boolean;
}

export function recordCommand(): Command {
  return new Command('record')
    .description('run a program and record its allocations (native programs: any that call malloc)')
    .usage('[options] [--] <command> [args...]')
    .argument('<command>', 'the program to run')
    .argument('[args...]', 'its arguments')
    .option('-o, --output <file>', 'the profile to write', 'run.lhp')
    .option('--no-follow', 'do not record the processes the program forks or execs')
    .option('--no-compress', 'write the profile uncompressed (compressed with zstd when libzstd is installed)')
    .addOption(
      new Option('--unwind <mode>', 'stack capture: frame pointers where the code keeps them, else DWARF (auto); or always one')
        .choices(['auto', 'fp', 'dwarf'])
        .default('auto'),
    )
    .option('--fail-on-leak', "exit 3 when the program exited 0 but its profile's verdict is leak")
    .passThroughOptions()
    .action(async (command: string, args: string[], opts: RecordOptions) => {
      const detected = detectRecorder(command);
      if (detected.recorder === 'node') {
        throw new CliError(`${command} is a Node.js program: the Node.js recorder is not available yet`);
      }
      const result = await recordNative(detected.executable, args, command, { output: opts.output, follow: opts.follow, compress: opts.compress, unwind: opts.unwind });
      const main = result.files.find((f) => f.path === path.resolve(opts.output));
      if (!main) {
        process.stderr.write(`leakhound: ${command} ended before the recorder started: no profile written\n`);
      }
      for (const f of result.files) {
        const what = f.running ? 'still running: symbolized when analyzed' : `${formatCount(f.allocations)} allocations`;
        process.stderr.write(`leakhound: wrote ${f.path} (pid ${f.pid}, ${what})\n`);
        for (const w of f.warnings) process.stderr.write(`leakhound: warning: ${w}\n`);
      }
      if (main && !opts.failOnLeak) process.stderr.write(`next: leakhound analyze ${opts.output}\n`);
      process.exitCode = result.exitCode;
      if (opts.failOnLeak && result.exitCode === 0 && main) {
        const verdict = diagnose(loadSync(main.path)).verdict;
        if (verdict === 'leak') process.exitCode = EXIT.leak;
      }
    });
}
