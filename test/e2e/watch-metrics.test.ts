/**
 * `leakhound watch --metrics`: the Prometheus text exposition of a watched process
 * tree, scraped as a monitoring system scrapes it. Always fetched and parsed with a
 * real parser (parse-prometheus-text-format); also scraped by Debian's `prometheus`
 * when one is on PATH (apt-get install prometheus). Each test says which it did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { RunningRecord, startCli } from '../helpers/running-record';
import { freePort } from '../helpers/servers';

/** What parse-prometheus-text-format returns (the package has no types; its output is prom2json's). */
interface MetricFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
// A `declare module` inside this file would be an augmentation, which TypeScript
// refuses for an untyped package (TS2665): the one export is typed here instead.
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => MetricFamily[];
const PARSER = `parse-prometheus-text-format ${(require('parse-prometheus-text-format/package.json') as { version: string }).version}`;

const LINUX_ONLY = process.platform !== 'linux' && 'watch samples /proc: Linux only';

/**
 * rss-tree: 2 children holding 1 MiB each, the last one growing by 16 KiB every
 * 20 ms; the parent ends by itself after 3000 steps (a minute), should all else fail.
 */
const TREE_ARGS = ['2', '1024', '16', '20', '3000'];
const VERDICTS = ['growing', 'unclear', 'plateau', 'stable', 'warming up'];
/** Samples before the verdicts are read: 2.5 s at 100 ms, enough for the growing child's to be `growing`. */
const SAMPLES_FOR_VERDICTS = 25;
/** Guards against a hang (none is a time asserted). */
const GUARD_MS = 30_000;
/** A whole test's guard against a hang (node:test cancels it; no time is asserted). */
const TEST_GUARD_MS = 120_000;

// ---------------------------------------------------------------- watch in the background

type RunningWatch = RunningRecord;

/** `leakhound watch <flags> -- <command…>` left running, its output captured. */
function startWatch(flags: string[], command: string[]): RunningWatch {
  return startCli(['watch', ...flags, '--', ...command]);
}

/** Why waiting on a running watch is pointless: it has exited. */
function watchEnded(watch: RunningWatch): string | undefined {
  return watch.hasExited()
    ? `watch exited (code ${watch.child.exitCode}, signal ${watch.child.signalCode}); stderr: ${watch.stderr()}`
    : undefined;
}

/**
 * Polls `probe` until it returns a value. Fails when `stop` gives a reason first, or
 * after `limitMs` (a guard against a hang), saying what it waited for and `detail()`.
 */
async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { stop?: () => string | undefined; detail?: () => string; limitMs?: number; everyMs?: number } = {},
): Promise<T> {
  const limitMs = options.limitMs ?? GUARD_MS;
  const deadline = Date.now() + limitMs;
  for (;;) {
    const reason = options.stop?.();
    if (reason) assert.fail(`${reason}\n(while waiting for ${what})`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      assert.fail(
        `gave up waiting for ${what} after ${limitMs / 1000} s${options.detail ? `: ${options.detail()}` : ''}`,
      );
    await sleep(options.everyMs ?? 100);
  }
}

/** The URL watch prints on stderr once it serves. */
function metricsUrl(watch: RunningWatch): Promise<string> {
  return poll(
    'the "leakhound: metrics at <url>" line',
    () => /^leakhound: metrics at (\S+)$/m.exec(watch.stderr())?.[1],
    {
      stop: () => watchEnded(watch),
      detail: () => `stderr: ${watch.stderr()}`,
    },
  );
}

// ---------------------------------------------------------------- processes, from /proc

/** The children of a process (those each of its threads forked, in fork order). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
      if (text) children.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended
    }
  }
  return children;
}

/** A process's executable; undefined once it is gone (or a zombie, which runs nothing). */
function exeOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** The process and its descendants, now. */
function treeOf(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all;
}

/**
 * Kills what a test started, even when an assertion failed: watch, and every
 * process of the fixture it launched (by pid, only while it still runs the fixture:
 * a pid reused since is left alone).
 */
async function killAll(watch: RunningWatch, fixture: string, known: Iterable<number>): Promise<void> {
  const pids = new Set<number>(known);
  if (!watch.hasExited() && watch.child.pid !== undefined)
    for (const pid of treeOf(watch.child.pid).slice(1)) pids.add(pid);
  for (const pid of [...pids]) for (const child of treeOf(pid).slice(1)) pids.add(child);
  if (!watch.hasExited()) {
    watch.child.kill('SIGKILL');
    await watch.exited;
  }
  for (const pid of pids) {
    if (exeOf(pid) !== fixture) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** The addresses listening on a TCP port, from /proc/net/tcp and tcp6 (hex as the kernel prints them). */
function listenersOn(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = fs.readFileSync(table, 'latin1').trim().split('\n').slice(1);
    } catch {
      continue; // no IPv6
    }
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, hexPort] = local.split(':');
      if (state === '0A' && parseInt(hexPort, 16) === port)
        found.push(table.endsWith('6') ? `ipv6 ${address}` : address);
    }
  }
  return found;
}

/** 127.0.0.1 as /proc/net/tcp prints it: a u32 in the host's byte order. */
const LOOPBACK_HEX = os.endianness() === 'LE' ? '0100007F' : '7F000001';

/** Connects to host:port: 'connected', or the error's code (ECONNREFUSED…). */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port, timeout: 10_000 });
    const end = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => end('connected'));
    socket.once('timeout', () => end('ETIMEDOUT'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

// ---------------------------------------------------------------- the exposition

interface Scrape {
  contentType: string;
  body: string;
  families: Map<string, MetricFamily>;
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(GUARD_MS) });
  const body = await res.text();
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${body}`);
  const families = new Map(parsePrometheusTextFormat(body).map((f) => [f.name, f]));
  return { contentType: res.headers.get('content-type') ?? '', body, families };
}

interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The series of a metric (which must be exposed), values as numbers. */
function series(s: Scrape, name: string): Series[] {
  const family = s.families.get(name);
  assert.ok(family, `${name} is exposed; the exposition:\n${s.body}`);
  return family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

/** The value of the one series of a metric whose labels include `labels`. */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  const matching = series(s, name).filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.equal(matching.length, 1, `one ${name}${JSON.stringify(labels)} series; the exposition:\n${s.body}`);
  return matching[0].value;
}

/** The verdict a set of verdict series says is current: exactly one is 1, the others 0, one series per verdict. */
function currentVerdict(all: Series[], what: string): string {
  assert.deepEqual(all.map((x) => x.labels.verdict).sort(), [...VERDICTS].sort(), `${what}: one series per verdict`);
  const current = all.filter((x) => x.value === 1);
  assert.equal(current.length, 1, `${what}: exactly one verdict is 1 (${JSON.stringify(all)})`);
  assert.ok(
    all.every((x) => x.value === 1 || x.value === 0),
    `${what}: the others are 0 (${JSON.stringify(all)})`,
  );
  return current[0].labels.verdict;
}

/** Where `prometheus` is on PATH, if it is (a PATH without it means the parser alone). */
function findPrometheus(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'prometheus');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const PROMETHEUS = process.platform === 'linux' ? findPrometheus() : undefined;

// ---------------------------------------------------------------- the tests

test('watch --metrics serves the tree and each process: RSS, PSS, swap, growth and verdict, on 127.0.0.1 only, until watch ends', {
  skip: LINUX_ONLY,
  timeout: TEST_GUARD_MS,
}, async (t) => {
  const fixture = buildFixture('rss-tree');
  const command = [fixture, ...TREE_ARGS];
  const watch = startWatch(['--metrics', ':0', '--interval', '100ms', '--duration', '6s'], command);
  const fixturePids = new Set<number>();
  try {
    const url = await metricsUrl(watch);
    const { hostname, port, pathname } = new URL(url);
    assert.equal(hostname, '127.0.0.1', url);
    assert.equal(pathname, '/metrics', url);

    // the program watch launched: its one child
    const launched = childrenOf(watch.child.pid!);
    for (const pid of launched) fixturePids.add(pid);
    assert.equal(launched.length, 1, `watch launched one program: ${launched}`);
    const root = launched[0];
    assert.equal(exeOf(root), fixture);

    // listening on 127.0.0.1 alone: the one listening socket, and another loopback address refused
    assert.deepEqual(listenersOn(Number(port)), [LOOPBACK_HEX], `only 127.0.0.1 listens on port ${port}`);
    assert.equal(await connect('127.0.0.2', Number(port)), 'ECONNREFUSED', 'nothing answers on 127.0.0.2');

    const s = await poll(
      `${SAMPLES_FOR_VERDICTS} samples`,
      async () => {
        const got = await scrape(url);
        return value(got, 'leakhound_watch_samples_total') >= SAMPLES_FOR_VERDICTS ? got : undefined;
      },
      { stop: () => watchEnded(watch) },
    );
    t.diagnostic(
      `scraped with fetch and parsed with ${PARSER} after ${value(s, 'leakhound_watch_samples_total')} samples`,
    );
    assert.match(s.contentType, /^text\/plain; version=0\.0\.4(;|$)/, 'the Prometheus text format');
    assert.equal(s.families.get('leakhound_watch_samples_total')?.type, 'COUNTER');
    for (const [name, family] of s.families)
      if (name !== 'leakhound_watch_samples_total') assert.equal(family.type, 'GAUGE', name);

    // the tree: the program and its 2 children (the last forked is the growing one)
    const children = childrenOf(root);
    for (const pid of children) fixturePids.add(pid);
    assert.equal(children.length, 2, `the fixture forked 2 children: ${children}`);
    for (const pid of children) assert.equal(exeOf(pid), fixture);
    const [steady, growing] = children;
    const pids = [root, ...children].map(String).sort();

    // one series per live process in each per-process metric, labelled with its pid and command
    const expectedCommand = command.join(' ');
    for (const name of [
      'leakhound_process_rss_bytes',
      'leakhound_process_pss_bytes',
      'leakhound_process_swap_bytes',
      'leakhound_process_growth_bytes_per_second',
    ]) {
      const all = series(s, name);
      assert.deepEqual(all.map((x) => x.labels.pid).sort(), pids, `${name}: the program and its children`);
      for (const { labels } of all) {
        const shortened = labels.command.endsWith('…') && expectedCommand.startsWith(labels.command.slice(0, -1));
        assert.ok(
          labels.command === expectedCommand || shortened,
          `${name}: command label ${labels.command}, expected ${expectedCommand}`,
        );
      }
    }
    assert.equal(value(s, 'leakhound_tree_processes'), 3);
    assert.equal(series(s, 'leakhound_process_rss_bytes').length, value(s, 'leakhound_tree_processes'));

    // the tree's memory is its processes' from the same sample: one scrape, one sample
    for (const m of ['rss', 'pss', 'swap']) {
      const sum = series(s, `leakhound_process_${m}_bytes`).reduce((total, x) => total + x.value, 0);
      assert.equal(
        value(s, `leakhound_tree_${m}_bytes`),
        sum,
        `leakhound_tree_${m}_bytes is the sum of the processes'`,
      );
    }
    assert.ok(value(s, 'leakhound_tree_rss_bytes') > 0);
    assert.ok(value(s, 'leakhound_tree_pss_bytes') > 0);
    for (const pid of pids) assert.ok(value(s, 'leakhound_process_rss_bytes', { pid }) > 0, `pid ${pid} has an RSS`);

    // verdicts: one current each; the growing child grows, the others do not, and the tree grows with it
    const verdicts = series(s, 'leakhound_process_verdict');
    const verdictOf = (pid: number) =>
      currentVerdict(
        verdicts.filter((x) => x.labels.pid === String(pid)),
        `pid ${pid}`,
      );
    assert.equal(verdictOf(growing), 'growing', `the growing child; the exposition:\n${s.body}`);
    assert.ok(value(s, 'leakhound_process_growth_bytes_per_second', { pid: String(growing) }) > 0);
    assert.notEqual(verdictOf(steady), 'growing', 'the steady child');
    assert.notEqual(verdictOf(root), 'growing', 'the parent');
    assert.equal(currentVerdict(series(s, 'leakhound_tree_verdict'), 'the tree'), 'growing');
    assert.ok(value(s, 'leakhound_tree_growth_bytes_per_second') > 0);

    // nothing but /metrics is served, and only GET (and HEAD)
    const base = `http://${hostname}:${port}`;
    for (const other of ['/', '/metric', '/metrics/x', '/favicon.ico']) {
      const res = await fetch(base + other, { signal: AbortSignal.timeout(GUARD_MS) });
      await res.text();
      assert.equal(res.status, 404, `GET ${other}`);
    }
    const post = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(GUARD_MS) });
    await post.text();
    assert.equal(post.status, 405, 'POST /metrics');

    // --duration ends the watch: it stops the program, exits 0 and stops serving
    const code = await poll(
      'watch to end at --duration',
      () => (watch.hasExited() ? watch.child.exitCode : undefined),
      {
        detail: () => `stderr: ${watch.stderr()}`,
      },
    );
    assert.equal(code, 0, `watch's exit code; stderr: ${watch.stderr()}`);
    assert.equal(
      await connect('127.0.0.1', Number(port)),
      'ECONNREFUSED',
      `port ${port} is closed once watch has exited`,
    );
    await poll(
      'the fixture to be stopped',
      () => ([...fixturePids].every((pid) => exeOf(pid) !== fixture) ? true : undefined),
      {
        detail: () => `still running: ${[...fixturePids].filter((pid) => exeOf(pid) === fixture)}`,
      },
    );
  } finally {
    await killAll(watch, fixture, fixturePids);
  }
});

test('watch --metrics, scraped by Prometheus itself', {
  skip:
    LINUX_ONLY ||
    (!PROMETHEUS &&
      `no prometheus on PATH (apt-get install prometheus): the exposition was checked with ${PARSER} only`),
  timeout: TEST_GUARD_MS,
}, async (t) => {
  const prometheus = PROMETHEUS!;
  const versionRun = spawnSync(prometheus, ['--version'], { encoding: 'utf8' });
  const versionText = `${versionRun.stdout ?? ''}${versionRun.stderr ?? ''}`;
  const version = /version (\S+)/.exec(versionText)?.[1] ?? 'of unknown version';
  const debian = /debian/i.test(versionText) ? 'Debian ' : '';

  const fixture = buildFixture('rss-tree');
  // ended by SIGTERM once Prometheus has scraped; --duration only bounds a failed run
  const watch = startWatch(['--metrics', ':0', '--interval', '100ms', '--duration', '90s'], [fixture, ...TREE_ARGS]);
  const fixturePids = new Set<number>();
  const dir = tmpDir('leakhound-prometheus-');
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let serverExited = false;
  try {
    const url = await metricsUrl(watch);
    const { host, port } = new URL(url);
    const launched = childrenOf(watch.child.pid!);
    for (const pid of launched) fixturePids.add(pid);
    assert.equal(launched.length, 1, `watch launched one program: ${launched}`);

    const config = path.join(dir, 'prometheus.yml');
    const job = 'leakhound';
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        `  - job_name: ${job}`,
        '    static_configs:',
        `      - targets: ['${host}']`,
        '',
      ].join('\n'),
    );
    const apiPort = await freePort();
    server = spawn(
      prometheus,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${apiPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (d: Buffer) => (serverOutput += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (serverOutput += d.toString()));
    server.once('exit', () => (serverExited = true));
    server.once('error', (err) => {
      serverOutput += `${err.message}\n`;
      serverExited = true;
    });

    let lastAnswer = 'no answer yet';
    const query = async (
      promql: string,
    ): Promise<{ metric: Record<string, string>; value: [number, string] }[] | undefined> => {
      try {
        const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/query?query=${encodeURIComponent(promql)}`, {
          signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        lastAnswer = `${promql}: ${res.status} ${text}`;
        const body = JSON.parse(text) as { status: string; data?: { result: [] } };
        return body.status === 'success' && body.data && body.data.result.length > 0 ? body.data.result : undefined;
      } catch (err) {
        lastAnswer = `${promql}: ${(err as Error).message}`;
        return undefined;
      }
    };
    const waiting = {
      stop: () => watchEnded(watch) ?? (serverExited ? `prometheus exited; its output:\n${serverOutput}` : undefined),
      detail: () => `last answer: ${lastAnswer}\nprometheus's output:\n${serverOutput}`,
      everyMs: 250,
    };

    const rss = await poll(
      'Prometheus to have scraped leakhound_tree_rss_bytes',
      () => query('leakhound_tree_rss_bytes'),
      waiting,
    );
    assert.equal(rss.length, 1, JSON.stringify(rss));
    assert.equal(rss[0].metric.job, job);
    assert.equal(rss[0].metric.instance, host);
    assert.ok(Number(rss[0].value[1]) > 0, `leakhound_tree_rss_bytes ${rss[0].value[1]}`);
    const up = await poll(`up{job="${job}"}`, () => query(`up{job="${job}"}`), waiting);
    assert.equal(up.length, 1, JSON.stringify(up));
    assert.equal(up[0].value[1], '1', 'the target is up: its scrapes succeed');

    // the alert rule the verdict gauge is for, evaluated by Prometheus: the growing child, alone
    const children = childrenOf(launched[0]);
    for (const pid of children) fixturePids.add(pid);
    assert.equal(children.length, 2, `the fixture forked 2 children: ${children}`);
    const [steady, growing] = children.map(String);
    const alert = await poll(
      'Prometheus to see the growing child as growing',
      async () => {
        const result = await query('leakhound_process_verdict{verdict="growing"} == 1');
        return result?.some((r) => r.metric.pid === growing) ? result : undefined;
      },
      waiting,
    );
    assert.ok(!alert.some((r) => r.metric.pid === steady), `the steady child is not growing: ${JSON.stringify(alert)}`);
    t.diagnostic(`scraped by ${debian}prometheus ${version} (${prometheus})`);

    watch.child.kill('SIGTERM');
    assert.equal(await watch.exited, 0, `watch ends on SIGTERM; stderr: ${watch.stderr()}`);
    assert.equal(
      await connect('127.0.0.1', Number(port)),
      'ECONNREFUSED',
      `port ${port} is closed once watch has exited`,
    );
  } finally {
    if (server && !serverExited) {
      server.kill('SIGTERM');
      const stopped = await Promise.race([
        new Promise<boolean>((resolve) => server!.once('exit', () => resolve(true))),
        sleep(GUARD_MS, false, { ref: false }),
      ]);
      if (!stopped && !serverExited) {
        server.kill('SIGKILL');
        await new Promise((resolve) => server!.once('exit', resolve));
      }
    }
    await killAll(watch, fixture, fixturePids);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
