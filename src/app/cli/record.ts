import { Command, Option } from 'commander';
import * as path from 'node:path';
import { diagnoseRecording } from '../../diagnose/recording';
import { recordingParts } from '../../api/recording';
import { detectRecorder } from '../../recorders/detect';
import { RecordResult } from '../../recorders/launch';
import { recordNative, UnwindMode } from '../../recorders/native/launcher';
import { recordNode } from '../../recorders/node/launcher';
import { DEFAULT_SAMPLING_INTERVAL } from '../../recorders/node/settings';
import { defaultReportDir, LATEST_REPORT, PeriodicReports, prepareReportDir } from '../reports/periodic-reports';
import { regularOutput } from '../../util/regular-files';
import { formatCount } from '../../util/units';
import { CliError, EXIT, warn } from './errors';
import { bytes, millisecondsOrAuto, timerPeriod } from './parse';

interface RecordOptions {
  output: string;
  follow: boolean;
  compress: boolean;
  unwind: UnwindMode;
  failOnLeak?: boolean;
  recorder: 'auto' | 'native' | 'node';
  native?: boolean;
  samplingInterval: number;
  sample?: number;
  pollInterval: number | 'auto';
  keepInlining?: boolean;
  heapSnapshotOnDump?: boolean;
  addon: boolean;
  reportEvery?: number;
  reportDir?: string;
}

export function recordCommand(): Command {
  return new Command('record')
    .description(
      'run a program and record its allocations (native programs: any that call malloc; Node.js programs: the JS heap)',
    )
    .usage('[options] [--] <command> [args...]')
    .argument('<command>', 'the program to run')
    .argument('[args...]', 'its arguments')
    .option('-o, --output <file>', 'the profile to write', 'run.lhp')
    .option('--no-follow', 'do not record the processes the program forks or execs')
    .option('--no-compress', 'write the profile uncompressed (compressed with zstd when libzstd is installed)')
    .addOption(
      new Option(
        '--unwind <mode>',
        'stack capture: frame pointers where the code keeps them, else DWARF (auto); or always one',
      )
        .choices(['auto', 'fp', 'dwarf'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--recorder <kind>',
        'node for node, npm, npx and node scripts, native for the rest (auto); or force one (node: for a shell script that starts node)',
      )
        .choices(['auto', 'native', 'node'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--native',
        'node: record native memory (malloc) too, with the native recorder beside the agent: <output> and <base>.<pid>.js.lhp',
      ).conflicts('recorder'),
    )
    .addOption(
      new Option(
        '--sample <bytes>',
        'native: record one allocation per <bytes> allocated on average (64k, 512k), each sized by what it stands for: production cost, sampled verdicts',
      ).argParser(bytes),
    )
    .addOption(
      new Option('--sampling-interval <bytes>', 'node: average bytes allocated between two heap samples')
        .default(DEFAULT_SAMPLING_INTERVAL, '64k')
        .argParser(bytes),
    )
    .addOption(
      new Option(
        '--poll-interval <ms>',
        'node: time between two polls of the live heap samples (auto: adaptive, within a budget of their cost)',
      )
        .default('auto')
        .argParser(millisecondsOrAuto),
    )
    .option(
      '--no-addon',
      'node: poll through the inspector instead of the heap sampler addon (each poll then forces a full GC)',
    )
    .option(
      '--keep-inlining',
      'node: let V8 inline functions (faster; an allocation in an inlined function is then charged to its caller)',
    )
    .option('--heap-snapshot-on-dump', 'node: also write <profile>.<n>.heapsnapshot at each SIGUSR2 dump')
    .option('--fail-on-leak', "exit 3 when the program exited 0 but the recording's verdict is leak (any process)")
    .addOption(
      new Option(
        '--report-every <time>',
        'write an HTML report of the profile so far every <time> (10m, 30s, 500ms), without stopping the program',
      ).argParser(timerPeriod),
    )
    .option(
      '--report-dir <dir>',
      'where reports go (default <output>-reports beside the output); alone: reports at each SIGUSR2 to record and at the end',
    )
    .passThroughOptions()
    .action(async (command: string, args: string[], opts: RecordOptions) => {
      // the recorder writes -o itself: what is there must be a regular file, or nothing
      regularOutput(opts.output);
      const reports = startReports(opts);
      let result: RecordResult;
      try {
        result = await run(command, args, opts);
      } catch (err) {
        reports?.stop();
        throw err;
      }
      const main = result.files.find((f) => f.path === path.resolve(opts.output));
      if (!main) {
        process.stderr.write(`leakhound: ${command} ended before the recorder started: no profile written\n`);
      }
      for (const f of result.files) {
        const what = f.running
          ? 'still running'
          : `${formatCount(f.allocations)} ${opts.sample ? 'sampled allocations' : 'allocations'}`;
        process.stderr.write(`leakhound: wrote ${f.path} (pid ${f.pid}, ${what})\n`);
        for (const w of f.warnings) warn(w);
      }
      if (reports && !main) reports.stop();
      const report = reports && main ? await reports.finish() : undefined;
      if (report)
        process.stderr.write(`leakhound: wrote ${report} (and ${path.join(path.dirname(report), LATEST_REPORT)})\n`);
      // after a failed run the program's error is what to read, not a hint
      if (main && !opts.failOnLeak && result.exitCode === 0)
        process.stderr.write(`next: leakhound analyze ${opts.output}\n`);
      process.exitCode = result.exitCode;
      if (opts.failOnLeak && result.exitCode === 0 && main) {
        const recorded = diagnoseRecording(recordingParts(main.path));
        for (const skipped of recorded.skipped) warn(skipped);
        if (recorded.verdict === 'leak') process.exitCode = EXIT.leak;
      }
    });
}

/**
 * Reports while recording, when asked for: the directory is made and checked before
 * the program starts, and the SIGUSR2 listener comes before the launcher's.
 */
function startReports(opts: RecordOptions): PeriodicReports | undefined {
  if (opts.reportEvery === undefined && opts.reportDir === undefined) return undefined;
  const profile = path.resolve(opts.output);
  const dir = path.resolve(opts.reportDir ?? defaultReportDir(profile));
  prepareReportDir(dir);
  const reports = new PeriodicReports({ profile, dir, everyMs: opts.reportEvery });
  reports.start();
  return reports;
}

function run(command: string, args: string[], opts: RecordOptions): Promise<RecordResult> {
  const detected = detectRecorder(command);
  const recorder = opts.native ? 'native' : opts.recorder === 'auto' ? detected.recorder : opts.recorder;
  const node = {
    samplingInterval: opts.samplingInterval,
    poll: opts.pollInterval,
    keepInlining: opts.keepInlining === true,
    heapSnapshotOnDump: opts.heapSnapshotOnDump === true,
    useAddon: opts.addon,
  };
  if (recorder === 'node') {
    if (opts.sample !== undefined)
      throw new CliError('--sample is for native programs: a node program is always sampled (--sampling-interval)');
    return recordNode(detected.executable, args, command, {
      ...node,
      output: opts.output,
      noFollow: !opts.follow,
      besideNative: false,
    });
  }
  return recordNative(detected.executable, args, command, {
    output: opts.output,
    follow: opts.follow,
    compress: opts.compress,
    unwind: opts.unwind,
    sample: opts.sample,
    node,
  });
}
