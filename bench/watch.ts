/**
 * What `leakhound watch` costs the machine: the CPU time (user + system, this
 * process) of TreeSampler.sample on a tree of 50 processes (test/fixtures/native/
 * rss-tree.c: the parent and 49 children holding HOLD_KB KiB each), per sample, and
 * what it comes to as a share of one core at a 1 s interval. Variants:
 *
 *   back to back           samples on the real clock, one after the other: statm and
 *                          the children lists only (a rollup is due once a second)
 *   1 s interval           nowMs advancing 1000 per sample: each sample also reads the
 *                          stalest process's smaps_rollup, as at `--interval 1s`
 *   + every rollup         the back-to-back sample plus every process's smaps_rollup
 *                          each sample: why the sampler reads one per period
 *
 * The baseline, measured in the same run: one statm read (readResidentBytes), one
 * smaps_rollup read (readRollup), one children list (childrenOf), and statm read two
 * other ways (readFileSync utf8; open + readSync into a reused buffer + close).
 * Also the judgement: memoryTrend on a BucketedSeries(64) holding 3600 points, per
 * call and for the 51 series of a watch of this tree (50 processes and the total).
 * Runs interleaved, the median of RUNS printed. Prints figures; asserts nothing.
 *
 *   npm run bench:watch           # 200 samples per run
 *   npm run bench:watch -- 1000   # other sample counts
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { buildFixture } from '../test/helpers/native-fixtures';
import { BucketedSeries } from '../src/diagnose/bucketed-series';
import { memoryTrend } from '../src/diagnose/memory-trend';
import { childrenOf, readResidentBytes, readRollup } from '../src/recorders/rss/proc';
import { TreeSampler } from '../src/recorders/rss/tree-sampler';
import { median } from './lib/run';

const SAMPLES = Number(process.argv[2]) > 0 ? Math.floor(Number(process.argv[2])) : 200;
const RUNS = 5;
const CHILDREN = 49;
const PROCESSES = CHILDREN + 1;
const HOLD_KB = 1024;
/** The children wake once a second; the tree ends itself after TREE_STEPS of them should this process die without killing it. */
const TREE_STEP_MS = 1000;
const TREE_STEPS = 600;
/** The interval `watch` samples at, and its rollup period. */
const INTERVAL_MS = 1000;
/** The target (not asserted): % of one core at a 1 s interval, for this tree. */
const TARGET_PERCENT = 1;
const SERIES = PROCESSES + 1;
const SERIES_POINTS = 3600;
const BUCKETS = 64;

/** CPU µs (user + system) and wall µs that `work` takes. */
function measure(work: () => void): { cpu: number; wall: number } {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  work();
  const cpu = process.cpuUsage(cpu0);
  return { cpu: cpu.user + cpu.system, wall: Number(process.hrtime.bigint() - wall0) / 1e3 };
}

// ---- the tree ----

let tree: ChildProcess | undefined;
/** Every pid of the tree seen, for the clean-up. */
const treePids = new Set<number>();

function alive(pid: number): boolean {
  try {
    // a zombie (killed, not reaped yet) counts as gone
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** SIGTERM to the parent (its handler kills the children), then SIGKILL to whatever of the tree is left. */
async function killTree(): Promise<number> {
  if (tree?.pid !== undefined && tree.exitCode === null && tree.signalCode === null) {
    const exited = new Promise<void>((resolve) => tree!.once('exit', () => resolve()));
    tree.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
  killTreeNow();
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && [...treePids].some(alive)) await new Promise((resolve) => setTimeout(resolve, 20));
  return [...treePids].filter(alive).length;
}

/** Synchronous, for 'exit' and signals: SIGKILL to every pid of the tree still there. */
function killTreeNow(): void {
  for (const pid of [tree?.pid, ...treePids]) {
    if (pid === undefined || !alive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

process.once('exit', killTreeNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killTreeNow();
    process.exit(130);
  });
}

/** Starts rss-tree and waits until the sampler sees all its processes, each holding its memory. */
async function startTree(binary: string): Promise<number> {
  tree = spawn(binary, [String(CHILDREN), String(HOLD_KB), '0', String(TREE_STEP_MS), String(TREE_STEPS)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  tree.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const failed = new Promise<never>((_, reject) => {
    tree!.once('error', reject);
    tree!.once('exit', (code, signal) =>
      reject(new Error(`rss-tree ended early (exit ${code ?? signal}): ${stderr.trim()}`)),
    );
  });
  failed.catch(() => {});
  const root = tree.pid!;
  treePids.add(root);
  const sampler = new TreeSampler(root, { tree: true, rollupEveryMs: Infinity });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = sampler.sample(performance.now());
    for (const p of s.processes) treePids.add(p.pid);
    const children = s.processes.filter((p) => p.pid !== root);
    if (s.processes.length === PROCESSES && children.every((p) => p.rss >= HOLD_KB * 1024)) return root;
    if (Date.now() > deadline)
      throw new Error(`rss-tree: ${s.processes.length} of ${PROCESSES} processes visible after 10 s`);
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
}

// ---- what is measured ----

interface Measurement {
  name: string;
  /** What one unit is, for the µs column: a read, a sample, a call. */
  unit: string;
  /** µs per unit, each run. */
  cpu: number[];
  wall: number[];
}

function record(m: Measurement, units: number, r: { cpu: number; wall: number }): void {
  m.cpu.push(r.cpu / units);
  m.wall.push(r.wall / units);
}

const mid = (values: number[]): number => median(values, (v) => v);

/** statm read without readFileSync's fstat and 64 KiB chunks: open, one read into a reused buffer, close. */
const scratch = Buffer.alloc(4096);
function statmReadSync(pid: number): number {
  const fd = fs.openSync(`/proc/${pid}/statm`, 'r');
  try {
    const n = fs.readSync(fd, scratch, 0, scratch.length, 0);
    const text = scratch.toString('latin1', 0, n);
    return Number(text.split(' ')[1]);
  } finally {
    fs.closeSync(fd);
  }
}

/** A deterministic RSS history of 1 s samples: rising, levelling off, or a sawtooth, by `k`. */
function series(k: number): BucketedSeries {
  const s = new BucketedSeries(BUCKETS);
  const base = 50e6 + k * 1e6;
  for (let i = 0; i < SERIES_POINTS; i++) {
    const wobble = ((i * 7919 + k * 104729) % 997) * 4096;
    const shape = k % 3 === 0 ? i * 40_000 : k % 3 === 1 ? Math.min(i, 1200) * 40_000 : (i % 60) * 80_000;
    s.add(i, base + shape + wobble);
  }
  return s;
}

async function main(): Promise<void> {
  const binary = buildFixture('rss-tree');
  const root = await startTree(binary);
  const pids = [...treePids];
  const hz = os.cpus().length;

  const statm: Measurement = { name: 'one statm read (readResidentBytes)', unit: 'read', cpu: [], wall: [] };
  const statmUtf8: Measurement = { name: '  statm via readFileSync utf8', unit: 'read', cpu: [], wall: [] };
  const statmRead: Measurement = { name: '  statm via open+readSync+close', unit: 'read', cpu: [], wall: [] };
  const children: Measurement = { name: 'one children list (childrenOf)', unit: 'call', cpu: [], wall: [] };
  const rollup: Measurement = { name: 'one smaps_rollup read (readRollup)', unit: 'read', cpu: [], wall: [] };
  // a bigger, multi-threaded process for comparison: this one
  const threads = fs.readdirSync('/proc/self/task').length;
  const selfRss = readResidentBytes(process.pid);
  const selfChildren: Measurement = {
    name: `  childrenOf, this node (${threads} threads)`,
    unit: 'call',
    cpu: [],
    wall: [],
  };
  const selfRollup: Measurement = {
    name: `  readRollup, this node (${Math.round(selfRss / 2 ** 20)} MiB RSS)`,
    unit: 'read',
    cpu: [],
    wall: [],
  };
  const backToBack: Measurement = { name: 'sample, back to back', unit: 'sample', cpu: [], wall: [] };
  const oneSecond: Measurement = { name: 'sample, 1 s interval (1 rollup each)', unit: 'sample', cpu: [], wall: [] };
  const everyRollup: Measurement = { name: `sample + all ${PROCESSES} rollups`, unit: 'sample', cpu: [], wall: [] };
  const firstSight: Measurement = { name: 'new sampler, first 7 samples', unit: 'sample', cpu: [], wall: [] };
  const judge: Measurement = {
    name: `memoryTrend, ${BUCKETS} buckets of ${SERIES_POINTS}`,
    unit: 'call',
    cpu: [],
    wall: [],
  };

  const judged = Array.from({ length: SERIES }, (_, k) => series(k));
  const verdicts = new Map<string, number>();
  for (const s of judged) {
    const v = memoryTrend(s.points()).verdict;
    verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
  }

  const READ_ROUNDS = Math.max(1, Math.round(SAMPLES / 10));
  const ROLLUP_ROUNDS = Math.max(1, Math.round(SAMPLES / 50));
  let sink = 0;
  let processesSeen = 0;
  // warm-up: the JIT, the page cache of /proc's dentries, the sampler's first sight of every process
  for (let i = 0; i < 20; i++)
    for (const pid of pids)
      sink += readResidentBytes(pid) + statmReadSync(pid) + readRollup(pid).pss + childrenOf(pid).length;
  for (const s of judged) sink += memoryTrend(s.points()).bytesPerSecond;

  for (let run = 0; run < RUNS; run++) {
    record(
      statm,
      READ_ROUNDS * pids.length,
      measure(() => {
        for (let r = 0; r < READ_ROUNDS; r++) for (const pid of pids) sink += readResidentBytes(pid);
      }),
    );
    record(
      statmUtf8,
      READ_ROUNDS * pids.length,
      measure(() => {
        for (let r = 0; r < READ_ROUNDS; r++)
          for (const pid of pids) sink += fs.readFileSync(`/proc/${pid}/statm`, 'utf8').length;
      }),
    );
    record(
      statmRead,
      READ_ROUNDS * pids.length,
      measure(() => {
        for (let r = 0; r < READ_ROUNDS; r++) for (const pid of pids) sink += statmReadSync(pid);
      }),
    );
    record(
      children,
      READ_ROUNDS * pids.length,
      measure(() => {
        for (let r = 0; r < READ_ROUNDS; r++) for (const pid of pids) sink += childrenOf(pid).length;
      }),
    );
    record(
      rollup,
      ROLLUP_ROUNDS * pids.length,
      measure(() => {
        for (let r = 0; r < ROLLUP_ROUNDS; r++) for (const pid of pids) sink += readRollup(pid).pss;
      }),
    );
    record(
      selfChildren,
      READ_ROUNDS * 10,
      measure(() => {
        for (let r = 0; r < READ_ROUNDS * 10; r++) sink += childrenOf(process.pid).length;
      }),
    );
    record(
      selfRollup,
      ROLLUP_ROUNDS * 10,
      measure(() => {
        for (let r = 0; r < ROLLUP_ROUNDS * 10; r++) sink += readRollup(process.pid).pss;
      }),
    );

    const fresh = new TreeSampler(root, { tree: true, rollupEveryMs: INTERVAL_MS });
    let clock = 0;
    // reads all 50 rollups, 8 per sample, as when `watch` starts
    record(
      firstSight,
      7,
      measure(() => {
        for (let i = 0; i < 7; i++) sink += fresh.sample((clock += INTERVAL_MS)).rss;
      }),
    );
    for (let i = 0; i < 3; i++) fresh.sample((clock += INTERVAL_MS));

    record(
      backToBack,
      SAMPLES,
      measure(() => {
        for (let i = 0; i < SAMPLES; i++) {
          const s = fresh.sample(performance.now() + clock);
          processesSeen = s.processes.length;
          sink += s.rss;
        }
      }),
    );
    clock += performance.now() + INTERVAL_MS;
    record(
      oneSecond,
      SAMPLES,
      measure(() => {
        for (let i = 0; i < SAMPLES; i++) sink += fresh.sample((clock += INTERVAL_MS)).pss ?? 0;
      }),
    );
    record(
      everyRollup,
      SAMPLES,
      measure(() => {
        for (let i = 0; i < SAMPLES; i++) {
          const s = fresh.sample(clock);
          for (const p of s.processes) sink += readRollup(p.pid).pss;
        }
      }),
    );

    record(
      judge,
      SERIES * 4,
      measure(() => {
        for (let r = 0; r < 4; r++) for (const s of judged) sink += memoryTrend(s.points()).bytesPerSecond;
      }),
    );
  }
  if (processesSeen !== PROCESSES) throw new Error(`the sampler saw ${processesSeen} of ${PROCESSES} processes`);

  const statmUs = mid(statm.cpu);
  console.log(
    `node ${process.version}, Linux ${os.release()}, ${hz} CPUs, not pinned, load average ${os.loadavg()[0].toFixed(2)} at start`,
  );
  console.log(
    `tree: rss-tree, ${PROCESSES} processes (the parent and ${CHILDREN} children holding ${HOLD_KB} KiB each), single-threaded; ` +
      `${SAMPLES} samples per run, median of ${RUNS} runs, interleaved`,
  );
  console.log('CPU µs: user + system time of this process (process.cpuUsage) per read, sample or call; wall µs alike');
  console.log(
    `% core: the CPU µs as a share of one core if done once per ${INTERVAL_MS / 1000} s (µs / 1e6 × 100); × statm: over one statm read`,
  );
  console.log('');
  const header = ['', 'per', 'CPU µs', 'wall µs', 'spread', '% core', '× statm'];
  const widths = [-42, -7, 9, 9, 7, 8, 9];
  const row = (cells: string[]): string =>
    cells.map((c, i) => (widths[i] < 0 ? c.padEnd(-widths[i]) : c.padStart(widths[i]))).join(' ');
  console.log(row(header));
  const print = (m: Measurement): void => {
    const cpu = mid(m.cpu);
    const spread = (Math.max(...m.cpu) - Math.min(...m.cpu)) / cpu;
    console.log(
      row([
        m.name,
        m.unit,
        cpu.toFixed(1),
        mid(m.wall).toFixed(1),
        `${(spread * 100).toFixed(0)}%`,
        `${((cpu / 1e6) * 100).toFixed(3)}%`,
        `${(cpu / statmUs).toFixed(1)}×`,
      ]),
    );
  };
  console.log('baseline');
  for (const m of [statm, statmUtf8, statmRead, children, selfChildren, rollup, selfRollup]) print(m);
  console.log(`TreeSampler.sample, ${PROCESSES} processes`);
  for (const m of [backToBack, oneSecond, everyRollup, firstSight]) print(m);
  console.log('judgement');
  print(judge);

  const tickUs = mid(oneSecond.cpu);
  const judgeUs = mid(judge.cpu);
  console.log('');
  console.log(
    `per-process verdicts: ${SERIES} memoryTrend calls (${PROCESSES} processes + the total) ${((judgeUs * SERIES) / 1e3).toFixed(2)} ms CPU; ` +
      `verdicts of these series: ${[...verdicts].map(([v, n]) => `${n} ${v}`).join(', ')}`,
  );
  console.log(
    `a watch tick at 1 s (one sample + memoryTrend of the total, as MemoryWatch.tick does): ${(tickUs + judgeUs).toFixed(0)} µs = ` +
      `${(((tickUs + judgeUs) / 1e6) * 100).toFixed(3)}% of one core`,
  );
  const percent = (tickUs / 1e6) * 100;
  console.log(
    `target: sampling ${PROCESSES} processes under ${TARGET_PERCENT}% of one core at 1 s intervals; measured ${percent.toFixed(3)}%: ` +
      (percent < TARGET_PERCENT ? 'within' : 'over'),
  );
  if (sink === -1) console.log('');
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    const left = await killTree();
    console.log(
      left === 0
        ? `tree killed: none of its ${treePids.size} processes left`
        : `tree: ${left} of ${treePids.size} processes still alive`,
    );
    if (left !== 0) process.exitCode = 1;
  });
