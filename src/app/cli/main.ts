#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { analyzeCommand } from './analyze';
import { compareCommand } from './compare';
import { dumpCommand } from './dump';
import { EXIT, reportError } from './errors';
import { exportCommand } from './export';
import { recordCommand } from './record';
import { simulateCommand } from './simulate';
import { reportCommand } from './report';
import { scriptCommand } from './script';
import { serveCommand } from './serve';
import { watchCommand } from './watch';

const { version } = require('../../../package.json') as { version: string };

function program(): Command {
  const root = new Command('leakhound')
    .description('does it leak, and where? memory-leak verdicts with the allocation stacks to prove them')
    .version(version)
    .showHelpAfterError('(see leakhound --help)')
    .enablePositionalOptions()
    .exitOverride();
  // a usage error is its one line and where to read more, not 40 lines of help
  for (const cmd of [
    recordCommand(),
    analyzeCommand(),
    compareCommand(),
    watchCommand(),
    scriptCommand(),
    reportCommand(),
    serveCommand(),
    exportCommand(),
    dumpCommand(),
    simulateCommand(),
  ])
    root.addCommand(cmd.exitOverride().showHelpAfterError(`(see leakhound ${cmd.name()} --help)`));
  return root;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage mistakes exit 2 (commander has printed the message)
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err);
  }
}

// A reader that went away (`leakhound … | head`) is no failure: what follows is not wanted.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
