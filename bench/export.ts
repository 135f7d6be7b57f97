/**
 * `leakhound export` of simulated recordings (1 M allocations by default), each
 * format in a fresh process, median of 3 (by export CPU time): load time, export
 * time (everything after the load, files written), wall and CPU, output size and
 * peak RSS. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/export.ts            # 1M (needs `npm run build`)
 *   node --import tsx bench/export.ts 10000000   # other sizes
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
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-export-'));
const FORMATS = ['pprof', 'speedscope', 'collapsed', 'parquet'] as const;

/** One measured run in a fresh process: load, then export as the CLI does, timed apart. */
const MEASURE = `
const fs = require('node:fs');
const dist = ${JSON.stringify(path.resolve(__dirname, '..', 'dist'))};
const { loadSync } = require(dist + '/api/load');
const x = require(dist + '/export');
const [file, format, out] = process.argv.slice(1);
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const profile = loadSync(file, { progress: false });
const t1 = process.hrtime.bigint();
const c1 = process.cpuUsage();
let files = [out];
if (format === 'parquet') { files = [out, x.stacksPathFor(out)]; x.writeParquet(profile, file, files[0], files[1]); }
else if (format === 'pprof') fs.writeFileSync(out, x.pprofBytes(profile, file));
else if (format === 'speedscope') fs.writeFileSync(out, JSON.stringify(x.speedscopeFile(profile, file)) + '\\n');
else fs.writeFileSync(out, x.collapsedStacks(profile));
const t2 = process.hrtime.bigint();
const c2 = process.cpuUsage();
const cpu = (a, b) => (b.user + b.system - a.user - a.system) / 1e6;
const peak = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\\s+(\\d+)/)[1] * 1024;
console.log(JSON.stringify({ n: profile.columns.count, load: Number(t1 - t0) / 1e9, export: Number(t2 - t1) / 1e9, loadCpu: cpu(c0, c1), exportCpu: cpu(c1, c2),
  bytes: files.map((f) => fs.statSync(f).size), peak }));
`;

/** Pinned to one core when taskset exists: other work on the machine bends the figures less. */
const PINNED =
  spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? ['taskset', '-c', '0', process.execPath]
    : [process.execPath];
console.log(PINNED[0] === 'taskset' ? 'pinned to one core (taskset -c 0)' : 'not pinned: taskset not found');
const EXT = { pprof: '.pb.gz', speedscope: '.speedscope.json', collapsed: '.collapsed', parquet: '.parquet' };
try {
  for (const n of sizes.length ? sizes : [1_000_000]) {
    const file = path.join(dir, `sim-${n}.lhp`);
    simulate({ output: file, allocations: n, seed: 1 });
    console.log(
      `\n${n.toLocaleString('en-US')} allocations, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB recording`,
    );
    console.log(
      'format        load s (CPU)   export s (CPU)   allocations/s (export CPU)   output bytes          peak RSS MB',
    );
    for (const format of FORMATS) {
      const out = path.join(dir, `out${EXT[format]}`);
      const runs = [0, 1, 2].map(() => {
        const r = spawnSync(PINNED[0], [...PINNED.slice(1), '-e', MEASURE, file, format, out], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        return JSON.parse(r.stdout) as {
          n: number;
          load: number;
          export: number;
          loadCpu: number;
          exportCpu: number;
          bytes: number[];
          peak: number;
        };
      });
      runs.sort((a, b) => a.exportCpu - b.exportCpu);
      const m = runs[1];
      console.log(
        [
          format.padEnd(12),
          `${m.load.toFixed(2)} (${m.loadCpu.toFixed(2)})`.padStart(13),
          `${m.export.toFixed(2)} (${m.exportCpu.toFixed(2)})`.padStart(16),
          Math.round(m.n / m.exportCpu)
            .toLocaleString('en-US')
            .padStart(28),
          m.bytes
            .map((b) => b.toLocaleString('en-US'))
            .join(' + ')
            .padStart(22),
          (m.peak / 1e6).toFixed(0).padStart(14),
        ].join(' '),
      );
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
