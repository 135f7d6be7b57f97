/**
 * The native recorder on real servers, as throughput: redis-server under redis-benchmark
 * (4 × 100,000 requests of SET, GET, LPUSH and LPOP from 50 clients, SET's keys drawn
 * from 10,000, no persistence) and nginx under wrk (one 1 KiB static file, 50
 * connections for 10 s; nginx as one process, `master_process off`, see bench/lib/nginx.ts),
 * each run plain, under `leakhound record` (full mode, the default), `leakhound record
 * --sample 512k` and heaptrack when installed. Each run starts the server under the
 * tool, waits until it listens, loads it, then stops it (redis: SHUTDOWN NOSAVE; nginx:
 * SIGQUIT) and waits for the tool to finish; only the load is measured. Prints the median
 * requests/s of 3 runs (the tools take turns within each round, so a machine getting
 * busier weighs on all alike), the ratio plain/tool (the time-equivalent overhead: 1.10×
 * is 10 % fewer requests/s), the server process's CPU time per request (read from /proc
 * around the load: a cost that other work on the machine bends less than throughput)
 * and the profile's size. Prints figures; asserts nothing.
 * The target for the sampled mode is ≤ 1.10× on both servers.
 *
 *   node --import tsx bench/servers.ts           # npm run build first: it runs dist/app/cli/main.js
 *   node --import tsx bench/servers.ts nginx     # only the servers whose names match
 *   node --import tsx bench/servers.ts . 'sample' # … and only the tools whose names match (and plain)
 *
 * Needs redis-server and redis-tools (npm test installs them), nginx-light and wrk
 * (apt-get install nginx-light wrk); heaptrack is optional (apt-get install heaptrack).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  freePort,
  redisBenchmark,
  redisPid,
  redisServerCommand,
  shutdownRedis,
  waitForPort,
} from '../test/helpers/servers';
import { nginxCommand, nginxPid, stopNginx, wrk } from './lib/nginx';
import { CLI_MISSING, has, lastLines, median, profileFiles, recordCommand, takeBytes } from './lib/run';

const RUNS = 3;
const REDIS_WORK = { requests: 100_000, keyspace: 10_000, tests: ['set', 'get', 'lpush', 'lpop'] };
const WRK_LOAD = { seconds: 10, connections: 50 };
/** A run (start, load, stop, and heaptrack interpreting its trace after the exit) is killed after this long: a guard. */
const RUN_GUARD_MS = 120_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-servers-'));

interface Server {
  name: string;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** Its command line on `port`, with its files (if any) in `home`. */
  command: (port: number, home: string) => string[];
  /** Loads it: the requests made, and their rate. */
  load: (port: number) => Promise<{ requests: number; requestsPerSecond: number }>;
  /** The server's own process (under a tool, not the tool's). */
  pid: (port: number, home: string) => Promise<number> | number;
  stop: (port: number, home: string) => Promise<void> | void;
}

const missingCommands = (packages: Record<string, string>): string | undefined => {
  const absent = Object.keys(packages).filter((cmd) => !has(cmd));
  return absent.length
    ? `${absent.join(', ')} not installed (apt-get install ${[...new Set(absent.map((c) => packages[c]))].join(' ')})`
    : undefined;
};

const ALL_SERVERS: Server[] = [
  {
    name: 'redis',
    missing: missingCommands({ 'redis-server': 'redis-server', 'redis-benchmark': 'redis-tools' }),
    command: (port) => redisServerCommand(port),
    load: (port) => redisBenchmark(port, REDIS_WORK),
    pid: (port) => redisPid(port),
    stop: (port) => shutdownRedis(port),
  },
  {
    name: 'nginx',
    missing: missingCommands({ nginx: 'nginx-light', wrk: 'wrk' }),
    command: (port, home) => nginxCommand(home, port),
    load: (port) => wrk(port, WRK_LOAD),
    pid: (_port, home) => nginxPid(home),
    stop: (_port, home) => stopNginx(home),
  },
];

interface Tool {
  name: string;
  missing?: string;
  /** The command running `program` writing its profile at `out` (a prefix for heaptrack, which adds its extension). */
  command: (program: string[], out: string) => string[];
}

const ALL_TOOLS: Tool[] = [
  { name: 'plain', command: (program) => program },
  { name: 'leakhound record', missing: CLI_MISSING, command: (p, out) => recordCommand(p, `${out}.lhp`) },
  {
    name: 'leakhound --sample 512k',
    missing: CLI_MISSING,
    command: (p, out) => recordCommand(p, `${out}.lhp`, ['--sample', '512k']),
  },
  {
    name: 'heaptrack',
    missing: has('heaptrack') ? undefined : 'not installed (apt-get install heaptrack)',
    command: (program, out) => ['heaptrack', '-o', out, ...program],
  },
];

const matching = (pattern: string | undefined) => (name: string) => !pattern || new RegExp(pattern).test(name);
const SERVERS = ALL_SERVERS.filter((s) => matching(process.argv[2])(s.name));
const TOOLS = ALL_TOOLS.filter((t) => t.name === 'plain' || matching(process.argv[3])(t.name));

interface Measured {
  requestsPerSecond: number;
  /** CPU seconds of the server's process (all its threads, the recorder's among them) per request. */
  cpuPerRequest: number;
  bytes: number | undefined;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU seconds (user + system) the process has used so far: /proc/<pid>/stat's utime and stime. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command's closing parenthesis, from the 3rd (state): utime is the 14th, stime the 15th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** One run: the server started under the tool, loaded, stopped; throws with the end of the tool's stderr when it fails. */
async function runOnce(server: Server, tool: Tool, label: string): Promise<Measured> {
  const home = path.join(dir, label);
  const out = path.join(dir, `${label}-profile`);
  const port = await freePort();
  const [file, ...args] = tool.command(server.command(port, home), out);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let ended = false;
  exited.then(() => (ended = true));
  const guard = setTimeout(() => child.kill('SIGKILL'), RUN_GUARD_MS);
  try {
    await waitForPort(port, () => ended, `${server.name} under ${tool.name}`);
    const pid = await server.pid(port, home);
    const before = cpuSeconds(pid);
    const { requests, requestsPerSecond } = await server.load(port);
    const cpuPerRequest = (cpuSeconds(pid) - before) / requests;
    await server.stop(port, home);
    const code = await exited;
    if (code !== 0) throw new Error(`exit ${code}`);
    return { requestsPerSecond, cpuPerRequest, bytes: takeBytes(profileFiles(dir, out)) };
  } catch (err) {
    throw new Error(`${tool.name} failed (${(err as Error).message}): ${lastLines(stderr)}`);
  } finally {
    clearTimeout(guard);
    if (!ended) child.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const slug = (name: string) => name.replace(/\W+/g, '_');

/** A tool's figures, each the median of its runs. */
interface Medians {
  requestsPerSecond: number;
  cpuPerRequest: number;
  /** The profile of the median run by requests/s. */
  bytes: number | undefined;
}

/** Every tool on the server, RUNS rounds of each tool in turn: its medians, or why it failed. */
async function measureServer(server: Server, tools: Tool[]): Promise<Map<Tool, Medians | string>> {
  const runs = new Map<Tool, Measured[]>(tools.map((t) => [t, []]));
  const failures = new Map<Tool, string>();
  for (let round = 0; round < RUNS; round++)
    for (const tool of tools.filter((t) => !failures.has(t)))
      await runOnce(server, tool, `${server.name}-${slug(tool.name)}-${round}`).then(
        (m) => runs.get(tool)?.push(m),
        (err: Error) => failures.set(tool, err.message),
      );
  const medians = new Map<Tool, Medians | string>(failures);
  for (const [tool, measured] of runs) {
    if (failures.has(tool)) continue;
    const byRate = median(measured, (m) => m.requestsPerSecond);
    const cpuPerRequest = median(measured, (m) => m.cpuPerRequest).cpuPerRequest;
    medians.set(tool, { requestsPerSecond: byRate.requestsPerSecond, cpuPerRequest, bytes: byRate.bytes });
  }
  return medians;
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function main(): Promise<void> {
  console.log(
    `redis-server ${REDIS_WORK.tests.length} × ${REDIS_WORK.requests.toLocaleString('en-US')} requests (${REDIS_WORK.tests.join(', ')}; keyspace ${REDIS_WORK.keyspace.toLocaleString('en-US')}), nginx under wrk (${WRK_LOAD.connections} connections, ${WRK_LOAD.seconds} s)`,
  );
  console.log(
    `median of ${RUNS} runs, the tools in turn in each round; ${os.cpus().length} CPUs, not pinned, load average ${os.loadavg()[0].toFixed(2)} at start`,
  );
  console.log(
    "× plain: plain requests/s over the tool's (1.10× = 10 % fewer requests/s); target for --sample: ≤ 1.10×",
  );
  console.log(
    "CPU/req: the server process's CPU time per request, its threads (the recorder's) included; heaptrack's interpreter is a process of its own, not counted",
  );
  console.log('');
  console.log('server  tool                       requests/s   × plain   CPU/req µs   × plain   profile KB');
  for (const server of SERVERS) {
    if (server.missing) {
      console.log(`${server.name.padEnd(7)} ${server.missing}`);
      continue;
    }
    const results = await measureServer(
      server,
      TOOLS.filter((t) => !t.missing),
    );
    const plain = results.get(TOOLS[0]);
    for (const tool of TOOLS) {
      const cells = [server.name.padEnd(7), tool.name.padEnd(26)];
      const m = results.get(tool);
      if (!m || typeof m === 'string') {
        console.log(`${cells.join(' ')}  ${tool.missing ?? m}`);
        continue;
      }
      const base = typeof plain === 'object' ? plain : undefined;
      console.log(
        [
          ...cells,
          Math.round(m.requestsPerSecond).toLocaleString('en-US').padStart(10),
          (base ? ratio(base.requestsPerSecond, m.requestsPerSecond) : '-').padStart(9),
          (m.cpuPerRequest * 1e6).toFixed(1).padStart(12),
          (base ? ratio(m.cpuPerRequest, base.cpuPerRequest) : '-').padStart(9),
          (m.bytes === undefined ? '-' : (m.bytes / 1e3).toFixed(1)).padStart(12),
        ].join(' '),
      );
    }
  }
  console.log('');
  console.log(`load average ${os.loadavg()[0].toFixed(2)} at the end`);
}

main()
  .catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
