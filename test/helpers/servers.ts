/**
 * Real servers driven by their load generators, for the redis test (e2e/record-redis.test.ts)
 * and the server benchmarks (bench/servers.ts): a free port, waiting until a server listens,
 * redis-server's command line, redis-benchmark run and read.
 */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A TCP port on 127.0.0.1 nothing listens on (free when asked; the server takes it soon after). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A server slow to start (a recorder's start-up, a busy machine) is waited for this long: a guard, not a time asserted. */
const START_GUARD_MS = 60_000;

/** Resolves once something accepts connections on `port`; throws when `exited()` says the server ended first, or after the guard. */
export async function waitForPort(port: number, exited: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !(await connects(port)); await sleep(25)) {
    if (exited()) throw new Error(`${what} ended before listening on port ${port}`);
    if (Date.now() - start > START_GUARD_MS) throw new Error(`${what} did not listen on port ${port}`);
  }
}

/**
 * redis-server on `port` of 127.0.0.1 with no persistence (no RDB snapshot, no AOF: it
 * never forks) and only warnings logged.
 */
export function redisServerCommand(port: number): string[] {
  const address = ['--port', String(port), '--bind', '127.0.0.1'];
  return ['redis-server', ...address, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
}

export interface BenchmarkRun {
  /** Each test's requests per second, by its name as redis-benchmark prints it (`SET`, `LPUSH`, …). */
  perTest: Map<string, number>;
  /** All the requests, of all the tests. */
  requests: number;
  /** All the requests over the time all the tests took. */
  requestsPerSecond: number;
}

/** A `-q` line: `SET: 66577.90 requests per second, p50=0.375 msec`. */
const QUIET_LINE = /([A-Z]+): ([\d.]+) requests per second/g;

/**
 * `redis-benchmark -p <port> -q -n <requests> -r <keyspace> -t <tests>`: a fixed number of
 * requests per test, its keys drawn from a fixed keyspace, so the server's memory levels off.
 */
export async function redisBenchmark(
  port: number,
  work: { requests: number; keyspace: number; tests: string[] },
): Promise<BenchmarkRun> {
  const args = ['-p', String(port), '-q', '-n', String(work.requests), '-r', String(work.keyspace)];
  const { stdout } = await run('redis-benchmark', [...args, '-t', work.tests.join(',')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  // the progress lines end in \r; the final ones, each test's result, are what the regex finds
  const perTest = new Map([...stdout.matchAll(QUIET_LINE)].map((m) => [m[1], Number(m[2])] as const));
  if (perTest.size !== work.tests.length)
    throw new Error(`redis-benchmark printed no result for every test: ${stdout}`);
  const seconds = [...perTest.values()].reduce((sum, rps) => sum + work.requests / rps, 0);
  const requests = work.requests * perTest.size;
  return { perTest, requests, requestsPerSecond: requests / seconds };
}

/** redis-server's process id (`INFO server`): the server itself, whatever tool started it. */
export async function redisPid(port: number): Promise<number> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'info', 'server']);
  const pid = stdout.match(/^process_id:(\d+)/m);
  if (!pid) throw new Error(`redis-cli info server gave no process_id: ${stdout}`);
  return Number(pid[1]);
}

/** `redis-cli shutdown nosave`: redis exits 0 without writing its data. */
export async function shutdownRedis(port: number): Promise<void> {
  // redis closes the connection as it exits: redis-cli may say so and exit non-zero
  await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
}
