/**
 * How often `watch --fail-on-leak` fails a program that does not leak: the Buffer
 * plateau of test/helpers/watch-plateau.ts (issue 15) watched RUNS times for 8 s and LONG
 * times for 60 s, and the same sawtooth over a leak (how often a leak is missed),
 * without a CPU hog and then beside one (`yes >/dev/null`, one per core).
 * Two watches run at a time. Prints each scenario's verdicts and exit codes as counts;
 * asserts nothing. The figures are in docs/WATCH.md.
 *
 *   npm run build && npm run bench:watch-plateau                  # 20 × 8 s, 4 × 60 s, without then with a hog
 *   npm run bench:watch-plateau -- --runs 5 --long 0 --no-quiet   # 5 × 8 s beside a hog only
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { startCpuHog } from '../test/stress/cpu-hog';
import { countsLine, LEAK_60S, LEAK_8S, PLATEAU_60S, PLATEAU_8S, watchRepeatedly } from '../test/helpers/watch-plateau';
import { CLI_MISSING } from './lib/run';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    long: { type: 'string', default: '4' },
    'no-quiet': { type: 'boolean', default: false },
    'no-hog': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const LONG = Number(values.long);
const PARALLEL = 2;

async function phase(title: string): Promise<void> {
  console.log(`${title} (load average ${os.loadavg()[0].toFixed(2)})`);
  for (const [s, count] of [
    [PLATEAU_8S, RUNS],
    [LEAK_8S, Math.ceil(RUNS / 2)],
    [PLATEAU_60S, LONG],
    [LEAK_60S, LONG],
  ] as const) {
    if (count > 0) console.log(`  ${countsLine(s, await watchRepeatedly(s, count, PARALLEL))}`);
  }
}

async function main(): Promise<void> {
  if (CLI_MISSING) throw new Error(`leakhound is ${CLI_MISSING}`);
  console.log(
    `node ${process.version}, ${os.availableParallelism()} CPUs; watch --interval 0.25 --fail-on-leak, ${PARALLEL} watches at a time`,
  );
  if (!values['no-quiet']) await phase('without a CPU hog of its own');
  if (!values['no-hog']) {
    const hog = startCpuHog();
    try {
      await phase(`beside a CPU hog (${hog.cores} × yes)`);
    } finally {
      await hog.stop();
    }
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
