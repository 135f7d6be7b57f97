/**
 * The Node.js recorder's overhead on two workloads, each run plain and recorded in
 * the same run, variants interleaved (run i of every variant, then run i + 1):
 *
 *   alloc   bench/node/alloc.js: fixed allocation-heavy work (objects, arrays,
 *           strings, closures through small inlinable functions, a Map keeping part
 *           of it: ~30 MB live). Wall time of the whole command.
 *   server  bench/node/server.js: a node:http server doing JSON work per request
 *           with a bounded cache, loaded from this process over loopback (keep-alive
 *           agent, CONCURRENCY requests in flight): WARMUP requests, then REQUESTS
 *           timed, then /quit, which ends the server and with it `record`.
 *           Requests per second over the timed requests.
 *
 * Variants: plain node; plain node --no-turbo-inlining (exact frames' cost without
 * the recorder); `leakhound record` as typed (defaults: 64k sampling, GC-free polls
 * through the addon, adaptive, inlining off); --keep-inlining; --sampling-interval
 * 32k and 128k; --no-addon (polls through the inspector, each a full GC); --native
 * (the native recorder's LD_PRELOAD library beside the agent: every malloc too);
 * --report-every 10s and 2s (HTML reports while it runs; their ratios over record
 * alone are printed after the tables); and
 * the agent required directly (no launcher). Prints the median of RUNS runs, its ratio
 * over plain and the runs' spread; the median CPU time of the command's processes and
 * its ratio; the profile's size, its heap samples, its polls (the `leakhound.poll`
 * series: each poll's pause) per second and as a share of the recorded run, and its
 * censuses. Then the cost of one poll at a 20 MB and a 200 MB heap, addon against
 * inspector (bench/node/poll-cost.js). Prints figures; asserts nothing.
 *
 *   npm run build && npm run bench:node      # it runs dist/app/cli/main.js
 *   npm run bench:node -- 3                  # other run counts
 *   npm run bench:node -- 3 'record|report'  # only the variants whose names match (and plain)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CLI_MISSING,
  CPU_TIMES,
  cpuSecondsIn,
  lastLines,
  median,
  profileFiles,
  recordCommand,
  ROOT,
  takeBytes,
} from './lib/run';

const RUNS = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 5;
/** The variants run: the names matching argv[3], and plain, which the ratios are over. */
const ONLY = process.argv[3] === undefined ? undefined : new RegExp(process.argv[3]);
const ALLOC = path.join(__dirname, 'node', 'alloc.js');
const SERVER = path.join(__dirname, 'node', 'server.js');
const AGENT = path.join(ROOT, 'dist', 'recorders', 'node', 'agent.js');
const WARMUP = 1_000;
const REQUESTS = 20_000;
const CONCURRENCY = 32;
/** Item ids the load asks for; the server caches 20,000 of them. */
const ID_RANGE = 40_000;
/** The goals at default settings (not asserted): the server, recorder alone and with exact frames; alloc with inlining kept. */
const TARGETS = [
  { key: 'server/agent alone (no launcher)', what: 'the server, the recorder alone', at: 1.05 },
  { key: 'server/leakhound record', what: 'the server, recorded with exact frames', at: 1.1 },
  { key: 'alloc/  --keep-inlining', what: 'the allocating script, recorded with inlining kept', at: 1.3 },
];
const POLL_COST = path.join(__dirname, 'node', 'poll-cost.js');
const POLL_HEAPS_MB = [20, 200];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-node-'));

interface Variant {
  name: string;
  /** The command running `program` (node and its arguments), writing its profile, if any, to `out`. */
  command: (program: string[], out: string) => string[];
  env?: (out: string) => NodeJS.ProcessEnv;
  missing?: string;
  records?: boolean;
}

const ALL_VARIANTS: Variant[] = [
  { name: 'plain', command: (program) => program },
  { name: 'plain --no-turbo-inlining', command: ([node, ...args]) => [node, '--no-turbo-inlining', ...args] },
  {
    name: 'leakhound record',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out),
  },
  {
    name: '  --keep-inlining',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out, ['--keep-inlining']),
  },
  {
    name: '  --sampling-interval 32k',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out, ['--sampling-interval', '32k']),
  },
  {
    name: '  --sampling-interval 128k',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out, ['--sampling-interval', '128k']),
  },
  {
    // the fallback where the addon cannot be built: each poll forces a full GC, so polls are 0.5-60 s apart
    name: '  --no-addon',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out, ['--no-addon']),
  },
  {
    // the native recorder (every malloc, with its stack) beside the agent, in the same process
    name: '  --native',
    missing: CLI_MISSING,
    records: true,
    command: (program, out) => recordCommand(program, out, ['--native']),
  },
  ...['10s', '2s'].map((every) => ({
    // reports while it runs: the report worker reads along every second, at a low priority
    name: `  --report-every ${every}`,
    missing: CLI_MISSING,
    records: true,
    command: (program: string[], out: string) => recordCommand(program, out, ['--report-every', every]),
  })),
  {
    // the recorder alone: no launcher's node start-up, no reading of the profile after the run
    name: 'agent alone (no launcher)',
    missing: fs.existsSync(AGENT) ? undefined : `not built (${path.relative(ROOT, AGENT)} missing: npm run build)`,
    records: true,
    command: (program) => program,
    env: (out) => agentEnv(out),
  },
];

const VARIANTS = ALL_VARIANTS.filter((v) => v.name === 'plain' || !ONLY || ONLY.test(v.name));

/** What `leakhound record` gives a node program, with its defaults. */
function agentEnv(out: string): NodeJS.ProcessEnv {
  const { settingsToEnv, DEFAULT_SAMPLING_INTERVAL } = require(
    path.join(ROOT, 'dist', 'recorders', 'node', 'settings.js'),
  );
  const settings = {
    output: out,
    samplingInterval: DEFAULT_SAMPLING_INTERVAL,
    poll: 'auto',
    keepInlining: false,
    heapSnapshotOnDump: false,
    noFollow: false,
    useAddon: true,
  };
  return {
    ...process.env,
    ...settingsToEnv(settings),
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require "${AGENT}"`].filter(Boolean).join(' '),
  };
}

/**
 * One run: its seconds (the whole command's; for the server, the timed requests'),
 * the CPU seconds (user + system) of all the command's processes, and what its profile holds.
 */
interface Run {
  seconds: number;
  cpu: number;
  profile?: ProfileFigures;
}

interface ProfileFigures {
  bytes: number;
  samples: number;
  polls: number;
  censuses: number;
  /** Sum of the polls' pauses, and the recorded run's length, in ns. */
  pauseNs: number;
  runNs: number;
}

interface Workload {
  name: string;
  run: (variant: Variant, out: string) => Promise<Run>;
  /** The figure of a run, as printed: seconds, or requests per second. */
  shown: (run: Run) => string;
}

const WORKLOADS: Workload[] = [
  {
    name: 'alloc',
    run: async (variant, out) => {
      const begin = process.hrtime.bigint();
      const cpu = await start(variant.command([process.execPath, ALLOC], out), variant.env?.(out)).exited;
      return { seconds: Number(process.hrtime.bigint() - begin) / 1e9, cpu };
    },
    shown: (run) => `${run.seconds.toFixed(2)} s`,
  },
  {
    name: 'server',
    run: (variant, out) => serve(variant.command([process.execPath, SERVER], out), variant.env?.(out)),
    shown: (run) => `${Math.round(REQUESTS / run.seconds).toLocaleString('en-US')} req/s`,
  },
];

/** The process groups of the commands running now: a Ctrl-C of the benchmark ends them too. */
const running = new Set<() => void>();
process.once('SIGINT', () => {
  for (const kill of running) kill();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(130);
});

/**
 * Spawns a command in a process group of its own; `exited` gives its CPU seconds when it
 * exits 0, `kill` ends the group. `onStdout` sees its output.
 */
function start(
  command: string[],
  env: NodeJS.ProcessEnv | undefined,
  onStdout?: (text: string) => void,
): { exited: Promise<number>; kill: () => void } {
  const child = spawn('sh', ['-c', CPU_TIMES, 'sh', ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
    detached: true,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => onStdout?.(d));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const cpu = cpuSecondsIn(stderr);
      if (code === 0 && cpu !== undefined) resolve(cpu);
      else if (code === 0) reject(new Error(`no CPU times from sh: ${lastLines(stderr)}`));
      else reject(new Error(`${path.basename(command[0])} failed (exit ${code ?? signal}): ${lastLines(stderr)}`));
    });
  });
  const kill = (): void => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  running.add(kill);
  exited.finally(() => running.delete(kill)).catch(() => {});
  return { exited, kill };
}

/** Runs the server, loads it, quits it; the time of the timed requests. */
async function serve(command: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  let stdout = '';
  let listening: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => (listening = resolve));
  const server = start(command, env, (d) => {
    stdout += d;
    const m = /listening (\d+)/.exec(stdout);
    if (m) listening(Number(m[1]));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const p = await Promise.race([
      port,
      server.exited.then(() => Promise.reject(new Error('the server ended before listening'))),
    ]);
    let seed = 1;
    const nextId = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % ID_RANGE;
    await load(agent, p, WARMUP, nextId);
    const t0 = process.hrtime.bigint();
    await load(agent, p, REQUESTS, nextId);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await get(agent, p, '/quit');
    agent.destroy();
    return { seconds, cpu: await server.exited };
  } catch (err) {
    agent.destroy();
    server.kill();
    await server.exited.catch(() => {});
    throw err;
  }
}

/** `count` requests, CONCURRENCY at a time. */
async function load(agent: http.Agent, port: number, count: number, nextId: () => number): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < count) {
      sent++;
      await get(agent, port, `/item?id=${nextId()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function get(agent: http.Agent, port: number, pathname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${pathname}: ${res.statusCode}`));
      res.on('data', () => {});
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Size, heap samples, polls and their pauses, of the profiles a run wrote (deleted after). */
function readProfiles(out: string): ProfileFigures | undefined {
  const { readLhp } = require(path.join(ROOT, 'dist', 'format', 'reader.js')) as typeof import('../src/format/reader');
  const files = profileFiles(dir, out.replace(/\.lhp$/, ''));
  if (files.length === 0) return undefined;
  const figures: ProfileFigures = { bytes: 0, samples: 0, polls: 0, censuses: 0, pauseNs: 0, runNs: 0 };
  for (const file of files) {
    let poll = -1;
    let census = -1;
    const ignore = (): void => {};
    // a native profile (--native) counts in the size only: its allocations are mallocs, not heap samples
    const js = { samples: 0, polls: 0, censuses: 0, pauseNs: 0, runNs: 0 };
    const read = readLhp(file, {
      string: (id, text) => {
        if (text === 'leakhound.poll') poll = id;
        if (text === 'leakhound.census') census = id;
      },
      alloc: () => js.samples++,
      sample: (_time, series, value) => {
        if (series === census) js.censuses++;
        if (series !== poll) return;
        js.polls++;
        js.pauseNs += value;
      },
      end: (time) => (js.runNs += time),
      frame: ignore,
      stack: ignore,
      free: ignore,
      realloc: ignore,
      mark: ignore,
      thread: ignore,
      process: ignore,
      module: ignore,
      symbol: ignore,
    });
    if (read.header.recorder === 'native') continue;
    for (const key of Object.keys(js) as (keyof typeof js)[]) figures[key] += js[key];
  }
  figures.bytes = takeBytes(files) ?? 0;
  return figures;
}

function row(cells: [string, number][]): string {
  return cells.map(([text, width]) => (width < 0 ? text.padEnd(-width) : text.padStart(width))).join(' ');
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs, not pinned, load average ${os.loadavg()[0].toFixed(2)} at start; median of ${RUNS} runs, variants interleaved`,
  );
  console.log(
    `alloc: wall time of the whole command (for leakhound record: the launcher's node start-up and its reading of the profile after the run)`,
  );
  console.log(
    `server: ${REQUESTS.toLocaleString('en-US')} requests timed after ${WARMUP.toLocaleString('en-US')} of warm-up, ${CONCURRENCY} in flight over keep-alive loopback; the load generator runs in this process`,
  );
  console.log(`spread: (slowest − fastest) / median of the ${RUNS} runs' times`);
  console.log(
    `CPU s: user + system time of all the command's processes (for the server, start-up, warm-up and quit included)`,
  );
  console.log(
    `polls: count, per second, and total pause (the leakhound.poll series) as a share of the recorded run; censuses: full GCs asked of V8 (incremental marking)`,
  );
  console.log('');
  console.log(
    row([
      ['workload', -8],
      ['variant', -27],
      ['s or req/s', 13],
      ['× plain', 8],
      ['spread', 7],
      ['CPU s', 7],
      ['× plain', 8],
      ['profile KB', 11],
      ['samples', 8],
      ['polls', 6],
      ['/s', 5],
      ['pause ms', 9],
      ['pause %', 8],
      ['census', 7],
    ]),
  );
  /** `<workload>/<variant>` → its median's ratios over plain. */
  const ratios = new Map<string, { wall: number; cpu: number }>();
  for (const w of WORKLOADS) {
    const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
    const failed = new Map<Variant, string>();
    for (let i = 0; i < RUNS; i++) {
      for (const v of VARIANTS) {
        if (v.missing || failed.has(v)) continue;
        const out = path.join(dir, `${w.name}-${v.name.trim().replace(/\W+/g, '_')}-${i}.lhp`);
        try {
          const run = await w.run(v, out);
          if (v.records) run.profile = readProfiles(out);
          runs.get(v)!.push(run);
        } catch (err) {
          failed.set(v, (err as Error).message);
        }
      }
    }
    let plain: { seconds: number; cpu: number } | undefined;
    for (const v of VARIANTS) {
      const cells: [string, number][] = [
        [w.name, -8],
        [v.name, -27],
      ];
      const why = v.missing ?? failed.get(v);
      if (why) {
        console.log(`${row(cells)}  ${why}`);
        continue;
      }
      const all = runs.get(v)!;
      const m = median(all, (r) => r.seconds);
      const spread = (Math.max(...all.map((r) => r.seconds)) - Math.min(...all.map((r) => r.seconds))) / m.seconds;
      const cpu = median(runs.get(v)!, (r) => r.cpu).cpu;
      if (v.name === 'plain') plain = { seconds: m.seconds, cpu };
      const ratio = plain && { wall: m.seconds / plain.seconds, cpu: cpu / plain.cpu };
      if (ratio) ratios.set(`${w.name}/${v.name}`, ratio);
      const p = m.profile;
      console.log(
        row([
          ...cells,
          [w.shown(m), 13],
          [ratio ? `${ratio.wall.toFixed(2)}×` : '-', 8],
          [`${(spread * 100).toFixed(0)}%`, 7],
          [cpu.toFixed(2), 7],
          [ratio ? `${ratio.cpu.toFixed(2)}×` : '-', 8],
          [p ? (p.bytes / 1e3).toFixed(0) : '-', 11],
          [p ? String(p.samples) : '-', 8],
          [p ? String(p.polls) : '-', 6],
          [p && p.runNs > 0 ? (p.polls / (p.runNs / 1e9)).toFixed(0) : '-', 5],
          [p ? (p.pauseNs / 1e6).toFixed(0) : '-', 9],
          [p && p.runNs > 0 ? `${((p.pauseNs / p.runNs) * 100).toFixed(1)}%` : '-', 8],
          [p ? String(p.censuses) : '-', 7],
        ]),
      );
    }
    console.log('');
  }
  const r = (key: string): string => {
    const x = ratios.get(key);
    return x === undefined ? 'n/a' : `${x.wall.toFixed(2)}× (CPU ${x.cpu.toFixed(2)}×)`;
  };
  for (const t of TARGETS) {
    const x = ratios.get(t.key);
    console.log(
      `target: ${t.what} ≤ ${t.at.toFixed(2)}× plain; measured ${r(t.key)}${x === undefined ? '' : x.wall <= t.at ? ': within' : ': over'}`,
    );
  }
  for (const w of WORKLOADS) {
    const exact = ratios.get(`${w.name}/leakhound record`);
    const inlined = ratios.get(`${w.name}/  --keep-inlining`);
    const switchCost =
      exact && inlined
        ? `${(exact.wall / inlined.wall).toFixed(2)}× (CPU ${(exact.cpu / inlined.cpu).toFixed(2)}×)`
        : 'n/a';
    console.log(
      `inlining off (exact frames), ${w.name}: alone (plain --no-turbo-inlining) ${r(`${w.name}/plain --no-turbo-inlining`)}; recorded, default over --keep-inlining ${switchCost}`,
    );
  }
  for (const every of ['10s', '2s']) {
    const reports = WORKLOADS.map((w) => {
      const alone = ratios.get(`${w.name}/leakhound record`);
      const withReports = ratios.get(`${w.name}/  --report-every ${every}`);
      return `${w.name} ${alone && withReports ? `${(withReports.wall / alone.wall).toFixed(2)}× (CPU ${(withReports.cpu / alone.cpu).toFixed(2)}×)` : 'n/a'}`;
    });
    console.log(`--report-every ${every} over record alone, same runs: ${reports.join('; ')}`);
  }
  pollCosts();
  console.log(`load average ${os.loadavg()[0].toFixed(2)} at the end`);
}

/** One poll's pause at heaps of POLL_HEAPS_MB, through the addon and through the inspector, each in a node of its own. */
function pollCosts(): void {
  console.log('');
  console.log(
    'one poll (median of 11 after the heap is built, 64k sampling): addon (no GC) against inspector (a full GC each)',
  );
  for (const mb of POLL_HEAPS_MB) {
    const cells = ['addon', 'inspector'].map((via) => {
      const r = spawnSync(process.execPath, [POLL_COST, String(mb), via], { encoding: 'utf8' });
      if (r.status !== 0) return `${via}: failed (${lastLines(r.stderr)})`;
      const { ms, samples, heapMb } = JSON.parse(r.stdout) as { ms: number; samples: number; heapMb: number };
      return `${via} ${ms.toFixed(ms < 1 ? 3 : 1)} ms (${samples} samples, heap ${heapMb} MB)`;
    });
    console.log(`  ${String(mb).padStart(3)} MB: ${cells.join('; ')}`);
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
