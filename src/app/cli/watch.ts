import { Command, InvalidArgumentError, Option } from 'commander';
import { MemoryWatch } from '../../diagnose/memory-watch';
import { RssRecording } from '../../recorders/rss/rss-recording';
import { TreeSampler } from '../../recorders/rss/tree-sampler';
import { WatchEnd, WatchSummary } from '../../diagnose/watch-summary';
import { launchTarget, runningTarget, stopLaunched, WatchTarget } from '../../recorders/rss/watch-target';
import { JsonView, LinesView, LiveView, WatchView } from '../../render/watch-views';
import { ListenAddress, MetricsServer, parseListenAddress, serveMetrics } from '../metrics/metrics-server';
import { WatchMetrics } from '../metrics/watch-metrics';
import { regularOutput } from '../../util/regular-files';
import { formatSeconds } from '../../util/units';
import { CliError, EXIT } from './errors';
import { duration, positiveInt, timerPeriod } from './parse';

interface WatchOptions {
  pid?: number;
  interval: number;
  duration?: number;
  tree?: boolean;
  json?: boolean;
  failOnLeak?: boolean;
  metrics?: ListenAddress;
  recordTo?: string;
}

/** smaps_rollup (PSS, swap) costs 4 to 130 statm reads, by the process's size: one process's is refreshed per second at most. */
const ROLLUP_EVERY_MS = 1000;
const MIN_INTERVAL_MS = 10;

export function watchCommand(): Command {
  return new Command('watch')
    .description(
      "watch a process's resident memory (RSS; PSS and swap too) and say whether it grows: growing, plateau, stable, warming up, or unclear (watch longer)",
    )
    .usage('(--pid <pid> | [options] [--] <command> [args...])')
    .argument('[command]', 'a program to run and watch')
    .argument('[args...]', 'its arguments')
    .option('-p, --pid <pid>', 'watch a running process', positiveInt)
    .addOption(
      new Option('-i, --interval <time>', 'time between samples: 1s, 250ms…').default(1000, '1s').argParser(interval),
    )
    .addOption(
      new Option(
        '-d, --duration <time>',
        'stop after this long (60s, 10m, 2h), stopping a program watch started; default: until the process exits or Ctrl-C',
      ).argParser(duration),
    )
    .option('--tree', 'also watch its descendants (the default for a program watch runs)')
    .option('--no-tree', 'watch the one process only')
    .option('--json', 'one JSON object per sample, then a summary, a line each')
    .option('--fail-on-leak', 'exit 3 when the verdict is growing, not when unclear (for CI)')
    .addOption(
      new Option(
        '--metrics <[host:]port>',
        'serve Prometheus metrics at http://127.0.0.1:<port>/metrics (:0 picks a free port)',
      ).argParser(listenAddress),
    )
    .option('--record-to <file>', 'also write the samples to a profile that leakhound analyze reads')
    .passThroughOptions()
    .action(async function (this: Command, command: string | undefined, args: string[], opts: WatchOptions) {
      if ((opts.pid === undefined) === (command === undefined))
        this.error('error: give either --pid <pid> or a command to run', { exitCode: EXIT.usage });
      process.exitCode = await watch(command, args, opts);
    });
}

function interval(value: string): number {
  const milliseconds = timerPeriod(value);
  if (milliseconds < MIN_INTERVAL_MS) throw new InvalidArgumentError(`expected at least ${MIN_INTERVAL_MS}ms`);
  return milliseconds;
}

function listenAddress(value: string): ListenAddress {
  try {
    return parseListenAddress(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];

async function watch(command: string | undefined, args: string[], opts: WatchOptions): Promise<number> {
  // refused before the program starts: the recording is written straight to this path
  if (opts.recordTo !== undefined) regularOutput(opts.recordTo);
  const view = chooseView(opts, command ?? `pid ${opts.pid}`);
  let stop: (end: WatchEnd) => void = () => {};
  const ended = new Promise<WatchEnd>((resolve) => (stop = resolve));
  let target: WatchTarget | undefined;
  // Listening before the program starts, as record does: a signal sent at once still ends the watch cleanly.
  const onEnding = () => stop('signal');
  const forward = (signal: NodeJS.Signals) => target?.launched?.child.kill(signal);
  for (const s of ENDING_SIGNALS) process.on(s, onEnding);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  // stdout's reader gone (`watch … | head`): end as on Ctrl-C, stopping the program
  process.stdout.once('error', onEnding);
  let metricsServer: MetricsServer | undefined;
  try {
    target =
      command === undefined
        ? runningTarget(opts.pid!)
        : await launchTarget(command, args, (chunk) => view.interject(() => process.stderr.write(chunk)));
    const tree = opts.tree ?? target.launched !== undefined;
    const startNs = process.hrtime.bigint();
    const nowMs = () => Number(process.hrtime.bigint() - startNs) / 1e6;
    const watched = new MemoryWatch(new TreeSampler(target.pid, { tree, rollupEveryMs: ROLLUP_EVERY_MS }), 0);
    const metrics = opts.metrics ? new WatchMetrics() : undefined;
    if (metrics && opts.metrics) {
      metricsServer = await serveMetrics(opts.metrics, metrics.registry, () =>
        metrics.processes(watched.processVerdicts()),
      ).catch((err: Error) => {
        throw new CliError(err.message);
      });
      process.stderr.write(`leakhound: metrics at ${metricsServer.url}\n`);
    }
    const recording = opts.recordTo
      ? RssRecording.create(
          opts.recordTo,
          { pid: target.pid, command: command ? [command, ...args] : [target.command] },
          startNs,
          { intervalMs: opts.interval, tree },
        )
      : undefined;
    target.launched?.exitCode.then(
      () => stop('exited'),
      () => stop('exited'),
    );

    let failure: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    let due = 0;
    const tick = () => {
      try {
        const now = nowMs();
        const state = watched.tick(now);
        if (state.sample.rootGone) return stop(target?.launched ? 'exited' : 'gone');
        recording?.write(state.sample, Math.round(now * 1e6));
        metrics?.sampled(state);
        view.update(state);
        if (opts.duration !== undefined && now >= opts.duration) return stop('duration');
        // the next sample at the next multiple of the interval (no drift), skipping those already missed
        due += opts.interval;
        if (due <= nowMs()) due = (Math.floor(nowMs() / opts.interval) + 1) * opts.interval;
        timer = setTimeout(tick, due - nowMs());
      } catch (err) {
        failure = err as Error;
        stop('signal');
      }
    };
    tick();
    const end = await ended;
    clearTimeout(timer);

    let exitCode: number | undefined;
    if (target.launched) {
      const code = end === 'exited' ? await target.launched.exitCode : await stopLaunched(target.launched);
      await target.outputDone;
      if (end === 'exited') exitCode = code;
    }
    const summary: WatchSummary = {
      ...watched.summarize(),
      root: { pid: target.pid, command: target.command },
      seconds: nowMs() / 1000,
      end,
      ...(exitCode !== undefined ? { exitCode } : {}),
    };
    recording?.finish(Math.round(nowMs() * 1e6));
    view.finish(summary);
    if (failure) throw failure;
    if (end === 'gone' && opts.duration !== undefined) {
      process.stderr.write(
        `leakhound: process ${target.pid} disappeared after ${formatSeconds(summary.seconds)}, before --duration ended\n`,
      );
      return EXIT.failure;
    }
    if (exitCode !== undefined && exitCode !== 0) return exitCode;
    return opts.failOnLeak && summary.verdict === 'growing' ? EXIT.leak : EXIT.ok;
  } finally {
    // after a failure (an unwritable profile, a port in use): the program watch started goes too
    if (target?.launched) await stopLaunched(target.launched);
    for (const s of ENDING_SIGNALS) process.off(s, onEnding);
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    process.stdout.off('error', onEnding);
    await metricsServer?.close();
  }
}

function chooseView(opts: WatchOptions, title: string): WatchView {
  if (opts.json) return new JsonView(process.stdout);
  if (process.stdout.isTTY) return new LiveView(process.stdout, title);
  return new LinesView(process.stdout);
}
