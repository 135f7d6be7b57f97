import { Command, Option } from 'commander';
import { DIAGNOSE_DEFAULTS, DIAGNOSE_FLAGS, DiagnoseOptions } from '../../diagnose/options';
import { fraction } from './parse';

/** Adds the diagnosis options (`--exit-window`, `--warmup`: diagnose/options.ts) to a command. */
export function withDiagnoseOptions(command: Command): Command {
  for (const o of DIAGNOSE_FLAGS)
    command.addOption(new Option(o.flag, o.description).default(DIAGNOSE_DEFAULTS[o.key]).argParser(fraction));
  return command;
}

/** The diagnosis options among a command's parsed options. */
export function diagnoseOptionsOf(opts: DiagnoseOptions): DiagnoseOptions {
  return { exitWindow: opts.exitWindow, warmup: opts.warmup };
}
