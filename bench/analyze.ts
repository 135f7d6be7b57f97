/**
 * Load + analyze throughput and resident memory per allocation, for simulated
 * recordings of 1 M and 10 M allocations. Prints figures; asserts nothing.
 *
 *   npm run bench:analyze            # 1M and 10M
 *   npm run bench:analyze -- 2000000 # other sizes
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simulate } from '../src/simulate/simulate';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-'));

/** One measured run in a fresh process: load, diagnose, report time and memory. */
const MEASURE = `
const { loadSync, diagnose } = require(${JSON.stringify(path.resolve(__dirname, '..', 'dist', 'index.js'))});
global.gc();
const before = process.memoryUsage();
const t0 = process.hrtime.bigint();
const profile = loadSync(process.argv[1], { progress: false });
const t1 = process.hrtime.bigint();
const d = diagnose(profile);
const t2 = process.hrtime.bigint();
global.gc();
const after = process.memoryUsage();
const peak = require('node:fs').readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+)/)[1] * 1024;
console.log(JSON.stringify({ n: profile.columns.count, load: Number(t1 - t0) / 1e9, analyze: Number(t2 - t1) / 1e9,
  rss: after.rss - before.rss, arrayBuffers: after.arrayBuffers - before.arrayBuffers, peak, verdict: d.verdict }));
`;

/** The target is per core: pin the measured process to one CPU when taskset exists. */
const PINNED =
  spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? ['taskset', '-c', '0', process.execPath]
    : [process.execPath];
console.log(PINNED[0] === 'taskset' ? 'pinned to one core (taskset -c 0)' : 'not pinned: taskset not found');
console.log(
  'allocations   file MB   load s  analyze s   alloc/s (end to end)   resident B/alloc   reserved B/alloc   peak RSS MB',
);
try {
  for (const n of sizes.length ? sizes : [1_000_000, 10_000_000]) {
    const file = path.join(dir, `sim-${n}.lhp`);
    simulate({ output: file, allocations: n, seed: 1 });
    const runs = [0, 1, 2].map(() => {
      const r = spawnSync(PINNED[0], [...PINNED.slice(1), '--expose-gc', '-e', MEASURE, file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as {
        n: number;
        load: number;
        analyze: number;
        rss: number;
        arrayBuffers: number;
        peak: number;
      };
    });
    runs.sort((a, b) => a.load + a.analyze - (b.load + b.analyze));
    const m = runs[1]; // the median run
    const total = m.load + m.analyze;
    console.log(
      [
        String(m.n).padStart(11),
        (fs.statSync(file).size / 1e6).toFixed(1).padStart(9),
        m.load.toFixed(2).padStart(8),
        m.analyze.toFixed(2).padStart(10),
        Math.round(m.n / total)
          .toLocaleString('en-US')
          .padStart(22),
        (m.rss / m.n).toFixed(1).padStart(18),
        (m.arrayBuffers / m.n).toFixed(1).padStart(18),
        (m.peak / 1e6).toFixed(0).padStart(13),
      ].join(' '),
    );
    fs.rmSync(file);
  }
  console.log('targets: >= 2,000,000 alloc/s end to end on one core; <= 48 resident B/alloc');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
