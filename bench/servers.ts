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
 * is 10 % fewer requests/s) and the profile's size. Prints figures; asserts nothing.
 * The target for the sampled mode is ≤ 1.10× on both servers.
 *
 *   node --import tsx bench/servers.ts           # npm run build first: it runs dist/app/cli/main.js
 *   node --import tsx bench/servers.ts nginx     # only the servers whose names match
 *   node --import tsx bench/servers.ts . 'sample' # … and only the tools whose names match (and plain)
 *
 * Needs redis-server and redis-tools (npm test installs them), nginx-light and wrk
 * (apt-get install nginx-light wrk); heaptrack is optional (apt-get install heaptrack).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, redisBenchmark, redisServerCommand, shutdownRedis, waitForPort } from '../test/helpers/servers';
import { nginxCommand, stopNginx, wrk } from './lib/nginx';
import { CLI_MISSING, has, lastLines, median, profileFiles, recordCommand, takeBytes } from './lib/run';

const RUNS = 3;
const REDIS_WORK = { requests: 100_000, keyspace: 10_000, tests: ['set', 'get', 'lpush', 'lpop'] };
const WRK_LOAD = { seconds: 10, connections: 50 };
/** A server that does not stop is killed after this long (a guard; heaptrack interprets its trace after the exit). */
const STOP_GUARD_MS = 120_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-bench-servers-'));

interface Server {
  name: string;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** Its command line on `port`, with its files (if any) in `home`. */
  command: (port: number, home: string) => string[];
  /** Loads it: requests per second. */
  load: (port: number) => Promise<number>;
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
    load: async (port) => (await redisBenchmark(port, REDIS_WORK)).requestsPerSecond,
    stop: (port) => shutdownRedis(port),
  },
  {
    name: 'nginx',
    missing: missingCommands({ nginx: 'nginx-light', wrk: 'wrk' }),
    command: (port, home) => nginxCommand(home, port),
    load: (port) => wrk(port, WRK_LOAD),
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
  bytes: number | undefined;
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
  const guard = setTimeout(() => child.kill('SIGKILL'), STOP_GUARD_MS);
  try {
    await waitForPort(port, () => ended, `${server.name} under ${tool.name}`);
    const requestsPerSecond = await server.load(port);
    await server.stop(port, home);
    const code = await exited;
    if (code !== 0) throw new Error(`exit ${code}`);
    return { requestsPerSecond, bytes: takeBytes(profileFiles(dir, out)) };
  } catch (err) {
    throw new Error(`${tool.name} failed (${(err as Error).message}): ${lastLines(stderr)}`);
  } finally {
    clearTimeout(guard);
    if (!ended) child.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const slug = (name: string) => name.replace(/\W+/g, '_');

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
  console.log('');
  console.log('server  tool                       requests/s   × plain   profile KB');
  for (const server of SERVERS) {
    if (server.missing) {
      console.log(`${server.name.padEnd(7)} ${server.missing}`);
      continue;
    }
    const runnable = TOOLS.filter((t) => !t.missing);
    const runs = new Map<Tool, Measured[]>(runnable.map((t) => [t, []]));
    const failures = new Map<Tool, string>();
    for (let round = 0; round < RUNS; round++)
      for (const tool of runnable.filter((t) => !failures.has(t)))
        await runOnce(server, tool, `${server.name}-${slug(tool.name)}-${round}`).then(
          (m) => runs.get(tool)?.push(m),
          (err: Error) => failures.set(tool, err.message),
        );
    const rps = (tool: Tool) => {
      const measured = runs.get(tool) ?? [];
      return measured.length === RUNS ? median(measured, (m) => m.requestsPerSecond) : undefined;
    };
    const plain = rps(TOOLS[0]);
    for (const tool of TOOLS) {
      const cells = [server.name.padEnd(7), tool.name.padEnd(26)];
      const m = rps(tool);
      if (!m) {
        console.log(`${cells.join(' ')}  ${tool.missing ?? failures.get(tool)}`);
        continue;
      }
      console.log(
        [
          ...cells,
          Math.round(m.requestsPerSecond).toLocaleString('en-US').padStart(10),
          (plain ? `${(plain.requestsPerSecond / m.requestsPerSecond).toFixed(2)}×` : '-').padStart(9),
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
