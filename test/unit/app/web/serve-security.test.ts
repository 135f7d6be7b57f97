/**
 * `leakhound serve` runs query expressions (code): only the page opened at the address it printed
 * may reach its API. Plain HTTP requests without the token, with a wrong one, from a foreign
 * Origin or Host; then a real browser on a page of another loopback port trying every request
 * a page can send.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LhpWriter } from '../../../../src/format/writer';
import { loadSync } from '../../../../src/api/load';
import { DEFAULT_QUERY_LIMITS, runQuery } from '../../../../src/app/web/query';
import { TOKEN_HEADER } from '../../../../src/app/web/server';
import { UiViews } from '../../../../src/app/web/views';
import { openBrowser } from '../../../helpers/browser';
import { runCli, tmpDir } from '../../../helpers/helpers';
import { raw, Served, startServe, stopServers } from '../../../helpers/serve-client';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
let served: Served;

/** An expression with an effect the next query can see: it appends `marker` to profile.info.ran. */
const mark = (marker: string) => `profile.info.ran = (profile.info.ran ?? []).concat(${JSON.stringify(marker)}); 0`;
const ranSoFar = async (): Promise<string[] | null> => {
  const res = await raw(
    served.port,
    'POST',
    '/api/query',
    { 'content-type': 'application/json' },
    JSON.stringify({ expression: 'profile.info.ran ?? null' }),
  );
  assert.equal(res.status, 200, res.body);
  return JSON.parse((JSON.parse(res.body) as { json: string }).json) as string[] | null;
};
const API = [
  '/api/summary',
  '/api/groups',
  '/api/timeline.svg',
  '/api/flame.svg',
  '/api/memory.svg',
  '/api/group/0',
  '/api/group/0.svg',
];

before(async () => {
  const sim = runCli(['simulate', '-o', demo, '--allocations', '20k', '--seed', '1']);
  assert.equal(sim.code, 0, sim.stderr);
  served = await startServe([demo, '--port', '0']);
});

after(stopServers);

describe('serve over HTTP: the token, the Host, the Origin', () => {
  test('the printed address carries a fresh token each run', async () => {
    const other = await startServe([demo, '--port', '0']);
    assert.notEqual(other.token, served.token);
    other.server.child.kill('SIGTERM');
    await other.server.exited;
  });

  test('the page needs the token in its address; without it, or with a wrong one, a 403 that shows no data', async () => {
    const { port, token } = served;
    const wrong = token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    for (const p of ['/', `/?token=${wrong}`, `/?token=${token.slice(1)}`, '/?token=']) {
      const res = await raw(port, 'GET', p);
      assert.equal(res.status, 403, p);
      assert.match(res.body, /address leakhound serve printed/);
      assert.doesNotMatch(res.body, /session_new|demo\.lhp/, p);
    }
    assert.equal((await raw(port, 'GET', `/?token=${token}`)).status, 200);
    // the page's own code holds no data: it loads without the token
    assert.equal((await raw(port, 'GET', '/ui.js', { [TOKEN_HEADER]: undefined })).status, 200);
  });

  test('every API request without the token, or with a wrong one, is a 403', async () => {
    const { port, token } = served;
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const p of API) {
      for (const headers of [{ [TOKEN_HEADER]: undefined }, { [TOKEN_HEADER]: wrong }, { [TOKEN_HEADER]: '' }]) {
        const res = await raw(port, 'GET', p, headers);
        assert.equal(res.status, 403, `${p} ${JSON.stringify(headers)}`);
        assert.doesNotMatch(res.body, /session_new/);
      }
      // the token in the address is the page's; the API takes it in the header only
      assert.equal((await raw(port, 'GET', `${p}?token=${token}`, { [TOKEN_HEADER]: undefined })).status, 403, p);
    }
    const body = JSON.stringify({ expression: mark('no token') });
    assert.equal(
      (await raw(port, 'POST', '/api/query', { 'content-type': 'application/json', [TOKEN_HEADER]: undefined }, body))
        .status,
      403,
    );
    assert.equal(
      (await raw(port, 'POST', '/api/query', { 'content-type': 'application/json', [TOKEN_HEADER]: wrong }, body))
        .status,
      403,
    );
    assert.equal(await ranSoFar(), null);
  });

  test('what another origin can send is refused: a text/plain POST, a form post, a foreign Origin even with the token', async () => {
    const { port } = served;
    const foreign = `http://127.0.0.1:${port + 1}`;
    const attempts: [string, http.OutgoingHttpHeaders, string][] = [
      [
        'text/plain, no token',
        { 'content-type': 'text/plain', origin: foreign, [TOKEN_HEADER]: undefined },
        JSON.stringify({ expression: mark('text/plain') }),
      ],
      [
        'form, no token',
        { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', [TOKEN_HEADER]: undefined },
        `expression=${encodeURIComponent(mark('form'))}`,
      ],
      [
        'text/plain form, no token',
        { 'content-type': 'text/plain', origin: foreign, 'sec-fetch-site': 'same-site', [TOKEN_HEADER]: undefined },
        `{"expression":${JSON.stringify(mark('enctype'))},"x":"="}`,
      ],
      [
        'json from a foreign origin, with the token',
        { 'content-type': 'application/json', origin: foreign },
        JSON.stringify({ expression: mark('foreign origin') }),
      ],
      [
        'json marked cross-site, with the token',
        { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
        JSON.stringify({ expression: mark('cross-site') }),
      ],
    ];
    for (const [what, headers, body] of attempts)
      assert.equal((await raw(port, 'POST', '/api/query', headers, body)).status, 403, what);
    assert.equal((await raw(port, 'GET', '/api/summary', { origin: foreign })).status, 403);
    assert.equal(await ranSoFar(), null);
  });

  test('a foreign Host (DNS rebinding) is refused even with the token; with the token from its own page, a query runs', async () => {
    const { port, token } = served;
    for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, `127.0.0.1:${port + 1}`]) {
      assert.equal((await raw(port, 'GET', '/api/summary', { host })).status, 403, host);
      assert.equal((await raw(port, 'GET', `/?token=${token}`, { host })).status, 403, host);
      assert.equal(
        (
          await raw(
            port,
            'POST',
            '/api/query',
            { host, 'content-type': 'application/json' },
            JSON.stringify({ expression: mark('rebinding') }),
          )
        ).status,
        403,
        host,
      );
    }
    assert.equal(await ranSoFar(), null);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await raw(
        port,
        'POST',
        '/api/query',
        { host, origin: `http://${host}`, 'content-type': 'application/json' },
        JSON.stringify({ expression: mark(host) }),
      );
      assert.equal(res.status, 200, res.body);
    }
    assert.deepEqual(await ranSoFar(), [`127.0.0.1:${port}`, `localhost:${port}`]);
    await raw(
      port,
      'POST',
      '/api/query',
      { 'content-type': 'application/json' },
      JSON.stringify({ expression: 'delete profile.info.ran' }),
    );
  });
});

/** A page, served from another loopback port, that sends the query API every request a page can. */
function attackPage(api: string): string {
  const body = (marker: string) => JSON.stringify({ expression: mark(marker) });
  return `<!doctype html><meta charset="utf-8"><title>elsewhere</title>
<iframe name="sink"></iframe>
<form id="plain" method="POST" action="${api}" enctype="text/plain" target="sink"><input name='{"expression":${JSON.stringify(mark('form text/plain')).replace(/'/g, '&#39;')},"x":"' value='"}'></form>
<form id="urlencoded" method="POST" action="${api}" target="sink"><input name="expression" value='${mark('form urlencoded').replace(/'/g, '&#39;')}'></form>
<script>
window.attack = async () => {
  const api = ${JSON.stringify(api)};
  const tries = [
    fetch(api, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body('fetch no-cors text/plain'))} }),
    fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body('fetch cors json'))} }),
    fetch(api, { method: 'POST', headers: { 'content-type': 'application/json', '${TOKEN_HEADER}': 'guess' }, body: ${JSON.stringify(body('fetch with a header'))} }),
    fetch(api, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new Blob([${JSON.stringify(body('fetch blob'))}]) }),
    fetch(api.replace('/api/query', '/api/summary'), { mode: 'cors' }).then((r) => r.text()),
  ];
  const results = await Promise.allSettled(tries);
  return results.map((r) => r.status === 'fulfilled' ? (typeof r.value === 'string' ? 'read: ' + r.value : 'sent') : 'refused');
};
</script>`;
}

test('in a browser, a page on another port of localhost (same site, another origin) can neither run a query nor read the API', async () => {
  // localhost: the test browser resolves no other name, nor even an IP literal
  const api = `http://localhost:${served.port}/api/query`;
  const elsewhere = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(attackPage(api));
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const browser = await openBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${(elsewhere.address() as AddressInfo).port}/`);
    const outcomes = (await page.evaluate('window.attack()')) as string[];
    // the summary stays unread, whatever the server said
    for (const outcome of outcomes) assert.doesNotMatch(outcome, /^read: /);
    for (const form of ['plain', 'urlencoded']) {
      const answered = page.waitForResponse((r) => r.url() === api && r.request().method() === 'POST');
      await page.evaluate(`document.getElementById('${form}').submit()`);
      assert.equal((await answered).status(), 403, form);
    }
    assert.equal(await ranSoFar(), null);

    // the check can fail: the page opened at the printed address runs the same kind of query
    await page.goto(served.url.replace('127.0.0.1', 'localhost'));
    const ran = (await page.evaluate(
      `fetch('/api/query', { method: 'POST', headers: { 'content-type': 'application/json', '${TOKEN_HEADER}': new URLSearchParams(location.search).get('token') }, body: ${JSON.stringify(JSON.stringify({ expression: mark('own page') }))} }).then((r) => r.status)`,
    )) as number;
    assert.equal(ran, 200);
    assert.deepEqual(await ranSoFar(), ['own page']);
  } finally {
    await browser.close();
    elsewhere.close();
  }
});

describe('serve: filter patterns run in linear time', () => {
  /** `(a+)+$` against 40 a's and a '!' backtracks 2^40 times in JavaScript's engine. */
  const LONG = `${'a'.repeat(40)}!`;
  let port = 0;

  before(async () => {
    const file = path.join(dir, 'names.lhp');
    const w = LhpWriter.create(file, { recorder: 'test', command: ['names'] });
    w.thread(1, 'main');
    const slow = w.stack([w.frame({ function: LONG, file: `${LONG}.c`, line: 1 })]);
    const plain = w.stack([w.frame({ function: 'aaaa', file: 'aaaa.c', line: 2 })]);
    for (let i = 0; i < 20; i++) {
      w.alloc(i * 1_000_000, 0x10_000 + i * 64, 32, slow, 1);
      w.alloc(i * 1_000_000 + 500_000, 0x90_000 + i * 64, 64, plain, 1);
    }
    w.finish(20_000_000);
    w.close();
    ({ port } = await startServe([file, '--port', '0']));
  });

  // the limit guards the suite against the old engine, which would not answer for hours; no time is asserted
  test('a catastrophic pattern on a long name is answered, matching as JavaScript would', {
    timeout: 60_000,
  }, async () => {
    for (const filter of ['function', 'file']) {
      const res = await raw(port, 'GET', `/api/groups?${filter}=${encodeURIComponent('^(a+)+(\\.c)?$')}`);
      assert.equal(res.status, 200, res.body);
      const rows = (JSON.parse(res.body) as { rows: { frame: { function: string } }[] }).rows;
      assert.deepEqual(
        rows.map((r) => r.frame.function),
        ['aaaa'],
        filter,
      );
    }
    // the server is free meanwhile: the next request is answered too
    assert.equal((await raw(port, 'GET', '/api/summary')).status, 200);
  });

  test("in the query box, JavaScript's own regexes are stopped by the query's time limit", () => {
    const views = new UiViews(loadSync(demo), demo);
    const limits = { ...DEFAULT_QUERY_LIMITS, timeoutMs: 300 };
    assert.throws(
      () => runQuery(views, `/^(a+)+$/.test('${LONG}')`, limits),
      /^Error: the query ran longer than 300 ms and was stopped$/,
    );
    assert.equal(runQuery(views, `/^(a+)+$/.test('aaaa')`, limits).kind, 'value');
  });

  test('what RE2 cannot run (lookaround, backreferences) is a 400 saying so', async () => {
    for (const pattern of ['(?=a)', '(a)\\1']) {
      const res = await raw(port, 'GET', `/api/groups?function=${encodeURIComponent(pattern)}`);
      assert.equal(res.status, 400, pattern);
      assert.match(
        (JSON.parse(res.body) as { error: string }).error,
        /^function: not a regular expression \(RE2 syntax: no lookaround or backreferences\)/,
      );
    }
  });
});
