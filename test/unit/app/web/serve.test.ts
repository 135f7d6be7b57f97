/** `leakhound serve`: the web UI's server over real HTTP, started as a user starts it (no browser here). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSync } from '../../../../src/api/load';
import { TOKEN_HEADER } from '../../../../src/app/web/server';
import { formatBytes } from '../../../../src/util/units';
import { runCli, tmpDir } from '../../../helpers/helpers';
import { startCli } from '../../../helpers/running-record';
import { raw, startServe, stopServers, URL_LINE } from '../../../helpers/serve-client';
import {
  LAUNCHER_PID,
  LEAK_FUNCTION,
  LEAKING_PID,
  WORKER_FUNCTION,
  WORKER_PIDS,
  writeProcessRecording,
} from '../../../helpers/process-recording';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
interface Row {
  rank: number;
  stackId: number;
  verdict: string;
  label: string;
  retainedBytes: number;
  totalCount: number;
  filtered: { count: number; bytes: number; leakedCount: number; leakedBytes: number };
  frame: { function: string; file: string; line: number } | null;
}
interface Groups {
  rows: Row[];
  sites: number;
  selected: { count: number; bytes: number; leakedCount: number; leakedBytes: number };
}

before(() => {
  const sim = runCli(['simulate', '-o', demo, '--allocations', '50k', '--seed', '1']);
  assert.equal(sim.code, 0, sim.stderr);
});

after(stopServers);

describe('leakhound serve', () => {
  let url = '';
  let port = 0;
  let token = '';
  const get = async (p: string) =>
    fetch(new URL(p, url), { headers: p.startsWith('/api/') ? { [TOKEN_HEADER]: token } : {} });
  const groups = async (query: string): Promise<Groups> => {
    const res = await get(`/api/groups${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Groups;
  };
  const query = (expression: unknown) =>
    fetch(new URL('/api/query', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: JSON.stringify({ expression }),
    });

  before(async () => {
    ({ url, port, token } = await startServe([demo, '--port', '0']));
  });

  test('prints the file and its loopback URL on stderr, and serves the page and its two files', async () => {
    const served = await startServe([demo, '--port', '0']);
    assert.equal(URL_LINE.exec(served.server.stderr())![1], demo);
    served.server.child.kill('SIGTERM');
    await served.server.exited;

    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
    const html = await page.text();
    for (const id of ['verdict', 'timeline', 'filters', 'groups', 'group-detail', 'flame', 'query', 'query-result'])
      assert.match(html, new RegExp(`id="${id}"`));
    // nothing from elsewhere: every src and href is the server's own, a data: URL or a place on the page
    for (const m of html.matchAll(/(?:src|href)="([^"]*)"/g)) assert.match(m[1], /^(\/|data:|#)/, m[0]);
    const js = await get('/ui.js');
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    assert.match(await js.text(), /\/api\/groups/);
    const css = await get('/ui.css');
    assert.match(css.headers.get('content-type')!, /^text\/css/);
    assert.match(await css.text(), /\.badge\.leak/, "the report's stylesheet comes first");
  });

  test('/api/summary gives the verdict of the recording, with its headline and what was recorded', async () => {
    const summary = (await (await get('/api/summary')).json()) as {
      verdict: string;
      headline: string;
      meta: { allocations: number; sites: number; source: string };
    };
    assert.equal(summary.verdict, 'leak');
    assert.match(summary.headline, /^LEAK: 4 of 9 allocation sites/);
    assert.equal(summary.meta.allocations, loadSync(demo).columns.count);
    assert.equal(summary.meta.source, demo);
  });

  test('/api/groups ranks every site, session_new a leak, with its counts and its frame', async () => {
    const all = await groups('');
    assert.equal(all.rows.length, 9);
    assert.deepEqual(
      all.rows.map((r) => r.rank),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const session = all.rows.find((r) => r.label === 'session_new (session.c:57)')!;
    assert.ok(session, JSON.stringify(all.rows.map((r) => r.label)));
    assert.equal(session.verdict, 'leak');
    assert.deepEqual(session.frame, { function: 'session_new', file: 'src/session.c', line: 57 });
    const p = loadSync(demo);
    const sessions = p.allocations().onlyPassingThroughFunction('^session_new$');
    assert.equal(session.filtered.count, sessions.len());
    assert.equal(session.filtered.bytes, sessions.size());
    assert.equal(session.filtered.leakedCount, sessions.onlyLeaked().len());
    assert.equal(all.selected.count, p.columns.count);
    assert.equal(all.selected.leakedCount, p.allocations().onlyLeaked().len());
  });

  test('verdict=bounded keeps the bounded sites only: the cache and the pool', async () => {
    const bounded = await groups('?verdict=bounded');
    assert.deepEqual(
      bounded.rows.map((r) => r.verdict),
      ['bounded', 'bounded'],
    );
    assert.deepEqual(bounded.rows.map((r) => r.label).sort(), ['cache_insert (lru.c:102)', 'pool_grow (pool.c:71)']);
    const both = await groups('?verdict=bounded,leak-freed-at-exit');
    assert.deepEqual(both.rows.map((r) => r.label).sort(), [
      'cache_insert (lru.c:102)',
      'connection_remember (registry.c:64)',
      'pool_grow (pool.c:71)',
    ]);
    assert.deepEqual(await groups('?verdict=bounded&verdict=leak-freed-at-exit'), both);
  });

  test('function=session_new narrows to that site; file, size, lifetime and time narrow as the query verbs do', async () => {
    const session = await groups('?function=session_new');
    assert.deepEqual(
      session.rows.map((r) => r.label),
      ['session_new (session.c:57)'],
    );
    assert.deepEqual(
      (await groups('?file=cache/lru%5C.c$')).rows.map((r) => r.label),
      ['cache_insert (lru.c:102)'],
    );

    const p = loadSync(demo);
    let largest = 0;
    for (let i = 0; i < p.columns.count; i++) largest = Math.max(largest, p.columns.size[i]);
    const none = await groups(`?minSize=${largest + 1}`);
    assert.deepEqual(none.rows, []);
    assert.equal(none.selected.count, 0);
    // bounds are included: at least the largest size is the allocations of that size
    const biggest = await groups(`?minSize=${largest}`);
    assert.equal(
      biggest.selected.count,
      p
        .allocations()
        .onlyLargerThan(largest - 1)
        .len(),
    );
    assert.ok(biggest.selected.count > 0);

    const half = p.runtime / 2;
    const window = await groups(`?from=${half}&to=${p.runtime * 0.9}&maxSize=512&minLifetime=0.01&maxLifetime=0.5`);
    const expected = p
      .allocations()
      .onlyAllocatedAfter(half)
      .onlyAllocatedBefore(p.runtime * 0.9)
      .onlySmallerThan(513)
      .onlyAliveForAtLeast(0.01)
      .onlyAliveForAtMost(0.5);
    assert.equal(window.selected.count, expected.len());
    assert.equal(window.selected.bytes, expected.size());
    assert.ok(window.selected.count > 0 && window.selected.count < p.columns.count);
  });

  test('bad filters are a 400 with a message: a regex that does not compile, a number that is not one, an unknown name', async () => {
    for (const [search, message] of [
      ['?function=(', /^function: not a regular expression/],
      ['?file=%5B', /^file: not a regular expression/],
      ['?minSize=1k', /^minSize: expected a whole number of bytes/],
      ['?maxLifetime=-1', /^maxLifetime: expected a number of seconds/],
      ['?from=NaN', /^from: expected/],
      ['?verdict=leaky', /^verdict: "leaky" is none of/],
      ['?colour=red', /^unknown parameter "colour"/],
    ] as const) {
      for (const endpoint of ['/api/groups', '/api/timeline.svg', '/api/flame.svg']) {
        const res = await get(endpoint + search);
        assert.equal(res.status, 400, `${endpoint}${search}`);
        assert.match(res.headers.get('content-type')!, /^application\/json/);
        const { error } = (await res.json()) as { error: string };
        assert.match(error, message);
        assert.doesNotMatch(error, /\n/);
      }
    }
  });

  test('the timeline and the flame graph are SVG, of the filtered allocations', async () => {
    const timeline = await get('/api/timeline.svg');
    assert.equal(timeline.status, 200);
    assert.match(timeline.headers.get('content-type')!, /^image\/svg\+xml/);
    const svg = await timeline.text();
    assert.match(svg, /^<svg [^>]*class="lh-chart"/);
    assert.match(svg, /class="lh-area" data-label="session_new \(session\.c:57\)" data-verdict="leak"/);
    /** Each area's verdict and site, as its legend entry reads. */
    const areas = (text: string) =>
      [...text.matchAll(/class="lh-area" data-label="([^"]+)" data-verdict="([^"]+)"/g)].map((m) => `${m[2]}: ${m[1]}`);
    const leaks = await (await get('/api/timeline.svg?verdict=leak')).text();
    const leakLabels = [
      'leak: session_new (session.c:57)',
      'leak: log_append (buffer.c:45)',
      'leak: request_context_new (request.c:23)',
    ];
    assert.deepEqual(areas(leaks), leakLabels);

    // the leak sites alone, on an axis of their own; none kept by the filters: a 404 saying so
    const leakTimeline = await get('/api/leak-timeline.svg');
    assert.equal(leakTimeline.status, 200);
    assert.match(leakTimeline.headers.get('content-type')!, /^image\/svg\+xml/);
    assert.deepEqual(areas(await leakTimeline.text()), [
      ...leakLabels,
      'leak-freed-at-exit: connection_remember (registry.c:64)',
    ]);
    assert.deepEqual(areas(await (await get('/api/leak-timeline.svg?function=log_append')).text()), [leakLabels[1]]);
    const none = await get('/api/leak-timeline.svg?verdict=bounded');
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /no allocation of a site with a leak verdict/);

    const flame = await get('/api/flame.svg');
    assert.match(flame.headers.get('content-type')!, /^image\/svg\+xml/);
    const all = await flame.text();
    assert.match(all, /^<svg [^>]*class="lh-flame"/);
    assert.match(all, /session_new/);
    const cache = await (await get('/api/flame.svg?function=cache_insert')).text();
    assert.match(cache, /class="lh-flame"/);
    assert.match(cache, /cache_insert/);
    assert.doesNotMatch(cache, /session_new/);
    assert.match(await (await get('/api/flame.svg?minSize=999999999')).text(), /nothing was left unfreed/);
  });

  test('/api/group/<id> gives a site diagnosis and backtrace with file:line, and its retained-vs-freed chart', async () => {
    const session = (await groups('?function=session_new')).rows[0];
    const g = (await (await get(`/api/group/${session.stackId}`)).json()) as {
      verdict: string;
      explanation: string;
      backtrace: string;
      rank: number;
    };
    assert.equal(g.verdict, 'leak');
    assert.equal(g.rank, session.rank);
    assert.ok(g.explanation.length > 0);
    assert.match(g.backtrace, /^#00 worker_main \(src\/worker\.c:40\)$/m);
    assert.match(g.backtrace, /session_new \(src\/session\.c:57\)$/);
    const chart = await get(`/api/group/${session.stackId}.svg`);
    assert.match(chart.headers.get('content-type')!, /^image\/svg\+xml/);
    const svg = await chart.text();
    assert.deepEqual(
      [...svg.matchAll(/class="lh-area" data-label="([^"]+)"/g)].map((m) => m[1]),
      ['retained (alive at the end of the work)', 'freed'],
    );
    const missing = await get('/api/group/987654');
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /no allocation site/);
  });

  test('weigh=leak-sites: the flame graph of the bytes the leak sites retain, the bounded cache left out', async () => {
    const frames = (svg: string) => new Set([...svg.matchAll(/<title>([\w]+) \(/g)].map((m) => m[1]));
    const neverFreed = await (await get('/api/flame.svg')).text();
    assert.deepEqual(
      await (await get('/api/flame.svg?weigh=never-freed')).text(),
      neverFreed,
      'the default, as before',
    );
    assert.ok(frames(neverFreed).has('cache_insert'));
    assert.ok(!frames(neverFreed).has('connection_remember'), 'freed at exit: not never freed');

    const leaks = await get('/api/flame.svg?weigh=leak-sites');
    assert.equal(leaks.status, 200);
    const svg = await leaks.text();
    assert.match(svg, /<title>Bytes the leak sites retain, by call stack<\/title>/);
    const shown = frames(svg);
    for (const fn of ['session_new', 'log_append', 'request_context_new', 'connection_remember'])
      assert.ok(shown.has(fn), `${fn} in ${[...shown].join(', ')}`);
    for (const fn of ['cache_insert', 'pool_grow']) assert.ok(!shown.has(fn), `${fn} in ${[...shown].join(', ')}`);
    const retained = (await groups('')).rows
      .filter((r) => r.verdict === 'leak' || r.verdict === 'leak-freed-at-exit')
      .reduce((sum, r) => sum + r.retainedBytes, 0);
    const all = /<title>all — ([^,]+),/.exec(svg)![1];
    assert.equal(all, formatBytes(retained), "the root holds what the leak sites' retainedBytes sum");

    const bounded = await (await get('/api/flame.svg?weigh=leak-sites&verdict=bounded')).text();
    assert.match(bounded, /no site with a leak verdict retains any of these bytes/);
    for (const [q, message] of [
      ['weigh=leaked', /^weigh: expected leak-sites or never-freed, got "leaked"$/],
      ['weigh=leak-sites&weigh=never-freed', /^weigh is given more than once$/],
    ] as const) {
      const res = await get(`/api/flame.svg?${q}`);
      assert.equal(res.status, 400, q);
      assert.match(((await res.json()) as { error: string }).error, message);
    }
  });

  test("/api/summary's firstView lists the leak sites as diagnose ranks them, a leak first", async () => {
    const { firstView } = (await (await get('/api/summary')).json()) as {
      firstView: { kind: string; rows: Row[]; more: number };
    };
    assert.equal(firstView.kind, 'leak-sites');
    assert.deepEqual(
      firstView.rows.map((r) => [r.rank, r.verdict, r.label]),
      [
        [1, 'leak', 'session_new (session.c:57)'],
        [2, 'leak', 'log_append (buffer.c:45)'],
        [3, 'leak', 'request_context_new (request.c:23)'],
        [4, 'leak-freed-at-exit', 'connection_remember (registry.c:64)'],
      ],
    );
    assert.equal(firstView.more, 0);
    const session = (await groups('')).rows[0];
    const { filtered: _, ...site } = session;
    assert.deepEqual(firstView.rows[0], site, 'a row as the table has it, without the filtered counts');
  });

  test('POST /api/query evaluates with the query API in scope, as the API does in-process', async () => {
    const p = loadSync(demo);
    const count = await query('allocations().onlyLeaked().len()');
    assert.equal(count.status, 200);
    const value = (await count.json()) as { kind: string; json: string; printed: string[] };
    assert.equal(value.kind, 'value');
    assert.equal(JSON.parse(value.json), p.allocations().onlyLeaked().len());

    const list = (await (await query('allocations().onlyLeaked()')).json()) as {
      kind: string;
      len: number;
      bytes: number;
      groups: { stackId: number; count: number }[];
    };
    assert.equal(list.kind, 'list');
    assert.equal(list.len, p.allocations().onlyLeaked().len());
    assert.equal(list.bytes, p.allocations().onlyLeaked().size());
    const top = p.allocations().onlyLeaked().groupByBacktrace().sortBySize();
    assert.deepEqual(
      list.groups.map((g) => [g.stackId, g.count]),
      top.groups.map((g) => [g.stackId, g.len()]),
    );

    const three = (await (
      await query('allocations().onlyLeaked().groupByBacktrace().sortBySize().take(3)')
    ).json()) as { kind: string; rows: unknown[] };
    assert.equal(three.kind, 'groups');
    assert.equal(three.rows.length, 3);

    const graph = (await (
      await query("graph().add('Leaked', allocations().onlyLeaked()).add('All', allocations())")
    ).json()) as { kind: string; svg: string };
    assert.equal(graph.kind, 'graph');
    assert.match(graph.svg, /class="lh-chart"/);

    const text = (await (
      await query(
        "println('leaked {}', allocations().onlyLeaked().len()); allocations().onlyPassingThroughFunction('^session_new$').get(0).backtrace().strip()",
      )
    ).json()) as {
      kind: string;
      text: string;
      printed: string[];
    };
    assert.equal(text.kind, 'text');
    assert.match(text.text, /session_new \(src\/session\.c:57\)$/);
    assert.deepEqual(text.printed, [`leaked ${p.allocations().onlyLeaked().len()}`]);
  });

  test('a query that throws, does not parse or reaches for node is a 400 with one line', async () => {
    for (const [expression, message] of [
      ['allocations().get(-1)', /^RangeError: index -1 is outside a list of \d+$/],
      ["throw new Error('no\\nmore')", /^no$/],
      ['allocations(', /^SyntaxError: /],
      ["require('node:fs')", /^ReferenceError: require is not defined$/],
      ['process.exit(0)', /^ReferenceError: process is not defined$/],
      ["graph().add('L', allocations()).save('x.svg')", /save\(\) writes a file/],
      ['', /expected \{"expression"/],
    ] as const) {
      const res = await query(expression);
      assert.equal(res.status, 400, expression);
      assert.match(((await res.json()) as { error: string }).error, message, expression);
    }
    // the server is still there
    assert.equal((await get('/api/summary')).status, 200);
  });

  test('the query endpoint takes a same-origin JSON POST of at most 64 KiB only', async () => {
    const body = JSON.stringify({ expression: '1' });
    assert.equal((await raw(port, 'POST', '/api/query', { 'content-type': 'text/plain' }, body)).status, 415);
    assert.equal(
      (
        await raw(
          port,
          'POST',
          '/api/query',
          { 'content-type': 'application/json', origin: 'http://evil.example' },
          body,
        )
      ).status,
      403,
    );
    assert.equal(
      (
        await raw(
          port,
          'POST',
          '/api/query',
          { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
          body,
        )
      ).status,
      200,
    );
    const big = JSON.stringify({ expression: `1 + ${'0'.repeat(70 << 10)}` });
    assert.equal((await raw(port, 'POST', '/api/query', { 'content-type': 'application/json' }, big)).status, 413);
    assert.equal((await raw(port, 'GET', '/api/query')).status, 405);
    assert.equal((await raw(port, 'POST', '/api/summary', { 'content-type': 'application/json' }, body)).status, 405);
  });

  test('serves nothing but its own files and API: other paths, .. and a foreign Host are refused', async () => {
    for (const p of [
      '/../package.json',
      '/etc/passwd',
      '/ui.js/../x',
      '/..%2Fpackage.json',
      '/index.html',
      '/ui.js/',
      '//ui.js',
      '/api/group/1/../0',
      '/dist/app/web/ui/ui.js',
    ]) {
      const res = await raw(port, 'GET', p);
      assert.equal(res.status, 404, p);
      assert.doesNotMatch(res.body, /leakhound|"name"/, p);
    }
    // DNS rebinding: a name that resolves here is still not a loopback name
    assert.equal((await raw(port, 'GET', '/api/summary', { host: `attacker.example:${port}` })).status, 403);
    assert.equal((await raw(port, 'GET', '/api/summary', { host: `localhost:${port}` })).status, 200);
  });
});

describe('leakhound serve of a recording of several processes: /api/processes and process=<index>', () => {
  const recording = writeProcessRecording(tmpDir());
  let port = 0;
  let stderr = () => '';
  const api = async (p: string) => {
    const res = await raw(port, 'GET', p);
    return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown> };
  };
  const queryOf = (process: string, expression: string) =>
    raw(
      port,
      'POST',
      `/api/query?process=${process}`,
      { 'content-type': 'application/json' },
      JSON.stringify({ expression }),
    );
  interface Listed {
    index: number;
    pid: number;
    verdict: string;
    role: string;
    allocations: number;
    leakSites: number;
    headline: string;
  }

  before(async () => {
    // a profile of the recording cut inside its header: not read, said
    fs.writeFileSync(path.join(path.dirname(recording), 'run.5000.lhp'), fs.readFileSync(recording).subarray(0, 20));
    const served = await startServe([recording, '--port', '0']);
    port = served.port;
    stderr = served.server.stderr;
  });

  test("/api/processes: the recording's verdict naming the leaking child, every process, those that matter first", async () => {
    const { status, json } = await api('/api/processes');
    assert.equal(status, 200);
    assert.equal(json.verdict, 'leak');
    assert.match(json.headline as string, new RegExp(`^LEAK in pid ${LEAKING_PID} \\(node server\\.js\\): 1 of 1`));
    const list = json.processes as Listed[];
    assert.deepEqual(
      list.map((p) => [p.index, p.pid, p.verdict, p.role, p.leakSites]),
      [
        [0, LEAKING_PID, 'leak', 'program', 1],
        ...WORKER_PIDS.map((pid, k) => [k + 1, pid, 'no-leak', 'program', 0]),
        [9, LAUNCHER_PID, 'no-leak', 'launcher', 0],
      ],
    );
    assert.match(list[0].headline, /^LEAK: 1 of 1 allocation sites/);
    const skipped = json.skipped as string[];
    assert.equal(skipped.length, 1);
    assert.match(skipped[0], /run\.5000\.lhp.*\(skipped\)$/);
    assert.match(stderr(), /^leakhound: warning: .*run\.5000\.lhp.*\(skipped\)$/m, 'serve says so too');
    assert.equal((await api('/api/processes?process=1')).status, 400, 'the list takes no parameter');
  });

  test("process=<index> switches every view to that process; none is the headline process's", async () => {
    const summary = async (q: string) =>
      (await api(`/api/summary${q}`)).json as { verdict: string; meta: { pid: number; source: string } };
    assert.equal((await summary('')).meta.pid, LEAKING_PID);
    const worker = await summary('?process=1');
    assert.deepEqual([worker.verdict, worker.meta.pid], ['no-leak', WORKER_PIDS[0]]);
    assert.equal(worker.meta.source, path.join(path.dirname(recording), `run.${WORKER_PIDS[0]}.lhp`));
    // no leak: the first view says so with the sites that retain the most
    const firstView = ((await api('/api/summary?process=2')).json as { firstView: { kind: string; rows: Row[] } })
      .firstView;
    // a site's name: its function, file and line (fixture frames are at line 12 of <function>.js)
    const site = (fn: string) => `${fn} (${fn}.js:12)`;
    assert.equal(firstView.kind, 'most-retained');
    assert.deepEqual(
      firstView.rows.map((r) => [r.verdict, r.label]),
      [['bounded', site(WORKER_FUNCTION)]],
    );
    assert.equal((await summary('?process=9')).meta.pid, LAUNCHER_PID);

    const rows = async (q: string) => ((await api(`/api/groups${q}`)).json as { rows: Row[] }).rows;
    assert.deepEqual(
      (await rows('')).map((r) => r.label),
      [site(LEAK_FUNCTION)],
    );
    const workerRows = await rows('?process=2&verdict=bounded,temporary');
    assert.deepEqual(
      workerRows.map((r) => r.label),
      [site(WORKER_FUNCTION)],
    );
    assert.equal(workerRows[0].totalCount, 950, "the second worker's allocations");

    const stackId = workerRows[0].stackId;
    assert.equal((await api(`/api/group/${stackId}?process=2`)).json.label, site(WORKER_FUNCTION));
    const timeline = await raw(port, 'GET', '/api/timeline.svg?process=2');
    assert.equal(timeline.status, 200);
    assert.match(timeline.body, new RegExp(`data-label="${WORKER_FUNCTION} \\(${WORKER_FUNCTION}\\.js:12\\)"`));
    assert.doesNotMatch(timeline.body, new RegExp(LEAK_FUNCTION));
    assert.equal((await raw(port, 'GET', '/api/flame.svg?process=3')).status, 200);

    const count = await queryOf('3', 'allocations().len()');
    assert.equal(count.status, 200, count.body);
    assert.equal(JSON.parse((JSON.parse(count.body) as { json: string }).json), 900, "the third worker's");
  });

  test('a process that is not an index into the list is a 400 saying so, never a path', async () => {
    for (const bad of ['10', '-1', 'x', '1e1', '', '../run.200.lhp', '0x1', '99999999999'])
      for (const p of [
        `/api/summary?process=${encodeURIComponent(bad)}`,
        `/api/group/1?process=${encodeURIComponent(bad)}`,
      ]) {
        const { status, json } = await api(p);
        assert.equal(status, 400, p);
        assert.match(
          json.error as string,
          /^process: expected the index of a process of this recording, 0 to 9, got /,
          p,
        );
      }
    const twice = await api('/api/groups?process=1&process=2');
    assert.equal(twice.status, 400);
    assert.match(twice.json.error as string, /process is given more than once/);
    const query = await queryOf('10', '1');
    assert.equal(query.status, 400);
    assert.match(query.body, /process: expected the index of a process/);
  });
});

describe('leakhound serve: refusals and the end', () => {
  test('a non-loopback --host is refused without --allow-remote, in one line', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const r = runCli(['serve', demo, '--host', host, '--port', '0']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^leakhound: --host .* is not a loopback address: .*--allow-remote/);
    }
  });

  test('--allow-remote listens where asked, with one warning line saying what it exposes', async (t) => {
    const server = startCli(['serve', demo, '--host', '0.0.0.0', '--port', '0', '--allow-remote']);
    t.after(() => void (server.hasExited() || server.child.kill('SIGKILL')));
    await server.waitFor(() => /at http:\/\/0\.0\.0\.0:\d+\/\?token=[\w-]{32}$/m.test(server.stderr()), 'the URL line');
    const warnings = server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('leakhound: warning:'));
    assert.equal(warnings.length, 1, server.stderr());
    assert.match(
      warnings[0],
      /^leakhound: warning: listening on 0\.0\.0\.0, not loopback: anyone who can reach port \d+ and has the token can read the recording and run code \(query expressions\) as \S+$/,
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  test('a missing or unreadable profile is one line, exit 1', () => {
    const missing = runCli(['serve', path.join(dir, 'nope.lhp'), '--port', '0']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trimEnd().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, /^leakhound: .*nope\.lhp/);
    const notProfile = runCli(['serve', path.join(__dirname, 'serve.test.ts'), '--port', '0']);
    assert.equal(notProfile.code, 1);
    assert.equal(notProfile.stderr.trimEnd().split('\n').length, 1, notProfile.stderr);
  });

  test('a port in use is one line, exit 1', async () => {
    const first = await startServe([demo, '--port', '0']);
    const second = runCli(['serve', demo, '--port', String(first.port)]);
    assert.equal(second.code, 1);
    assert.equal(second.stderr.trimEnd().split('\n').length, 1, second.stderr);
    assert.match(second.stderr, /^leakhound: cannot serve on 127\.0\.0\.1:\d+: the port is in use/);
    first.server.child.kill('SIGTERM');
    assert.equal(await first.server.exited, 0);
  });

  test('a bad --port is a usage error', () => {
    for (const p of ['http', '70000', '-1']) assert.equal(runCli(['serve', demo, '--port', p]).code, 2, p);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} closes the server and exits 0`, async () => {
      const { server, port } = await startServe([demo, '--port', '0']);
      // a connection kept open does not hold the exit
      const kept = await raw(port, 'GET', '/api/summary', { connection: 'keep-alive' });
      assert.equal(kept.status, 200);
      server.child.kill(signal);
      assert.equal(await server.exited, 0, server.stderr());
      await assert.rejects(raw(port, 'GET', '/'), /ECONNREFUSED/);
    });
  }
});
