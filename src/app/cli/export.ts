import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import {
  collapsedStacks,
  EXPORT_EXTENSIONS,
  EXPORT_FORMATS,
  ExportFormat,
  pprofBytes,
  speedscopeFile,
  STACK_VALUES,
  StackValue,
  stacksPathFor,
  writeParquet,
} from '../../export';
import { loadSync } from '../../api/load';
import { writeAtomically, writeFileAtomically } from '../../util/regular-files';
import { formatBytes } from '../../util/units';
import { CliError, EXIT, warn } from './errors';

interface ExportOpts {
  format: ExportFormat;
  output?: string;
  value?: StackValue;
  strip: boolean;
}

export function exportCommand(): Command {
  return new Command('export')
    .description(
      "write a recording in another tool's format: pprof (go tool pprof, Pyroscope, Parca), speedscope, collapsed stacks (flamegraph.pl, inferno), Parquet (DuckDB)",
    )
    .argument('<profile>', 'an .lhp recording, a heaptrack file or a .heapprofile')
    .addOption(new Option('-f, --format <format>', 'the format to write').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option(
      '-o, --output <file>',
      "the file to write (default: the recording's name with .pb.gz, .speedscope.json, .collapsed or .parquet); - for stdout (not parquet)",
    )
    .addOption(
      new Option(
        '--value <value>',
        'collapsed: what a stack counts: bytes never freed (leaked), bytes allocated, or the allocations (default: leaked)',
      ).choices(STACK_VALUES),
    )
    .option(
      '--no-strip',
      'collapsed, speedscope: keep allocator and start-up frames (pprof and parquet always keep them)',
    )
    .action(function (this: Command, profilePath: string, opts: ExportOpts) {
      if (opts.value !== undefined && opts.format !== 'collapsed')
        this.error('error: --value applies to --format collapsed only', { exitCode: EXIT.usage });
      if (!opts.strip && (opts.format === 'pprof' || opts.format === 'parquet'))
        this.error(`error: --no-strip applies to collapsed and speedscope: ${opts.format} keeps whole stacks`, {
          exitCode: EXIT.usage,
        });
      if (opts.output === '-' && opts.format === 'parquet')
        this.error('error: parquet writes two files: give -o run.parquet, not -', { exitCode: EXIT.usage });
      const output = opts.output ?? defaultOutput(profilePath, opts.format);
      if (output !== '-' && path.resolve(output) === path.resolve(profilePath))
        throw new CliError(`refusing to write the export over the recording ${profilePath}`);

      const profile = loadSync(profilePath);
      for (const w of profile.info.warnings) warn(w);

      if (opts.format === 'parquet') {
        const stacks = stacksPathFor(output);
        writeAtomically([output, stacks], ([allocationsTmp, stacksTmp]) =>
          writeParquet(profile, profilePath, allocationsTmp, stacksTmp),
        );
        process.stderr.write(
          `leakhound: wrote ${output} (${formatBytes(fs.statSync(output).size)}) and ${stacks} (${formatBytes(fs.statSync(stacks).size)})\n`,
        );
        return;
      }
      const data: string | Uint8Array =
        opts.format === 'pprof'
          ? pprofBytes(profile, profilePath)
          : opts.format === 'speedscope'
            ? `${JSON.stringify(speedscopeFile(profile, profilePath, { strip: opts.strip }))}\n`
            : collapsedStacks(profile, { value: opts.value ?? 'leaked', strip: opts.strip });
      if (output === '-') {
        process.stdout.write(data);
        return;
      }
      writeFileAtomically(output, data);
      process.stderr.write(
        `leakhound: wrote ${output} (${formatBytes(typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength)})\n`,
      );
    });
}

/** `run.lhp` → `run.pb.gz`, beside the recording. */
function defaultOutput(profilePath: string, format: ExportFormat): string {
  const base = profilePath.endsWith('.lhp') ? profilePath.slice(0, -'.lhp'.length) : profilePath;
  return `${base}${EXPORT_EXTENSIONS[format]}`;
}
