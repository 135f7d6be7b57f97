import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { REPORT_CSS } from '../../render/report-style';
import { BadRequest, filtersJson, parseFilters } from './filters';
import { DEFAULT_QUERY_LIMITS, QueryLimits, runQuery } from './query';
import type { RecordingViews } from './recording-views';
import type { FlameWeight } from '../../views/flame-tree';
import { FLAME_WEIGHTS } from './views';

/** The page's own files, beside the compiled server (scripts/copy-assets.js puts them there). */
export const ASSET_DIR = path.join(__dirname, 'ui');

/** Every path the server answers with a file: nothing else on disk is ever read. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui.js': { file: 'ui.js', type: 'text/javascript; charset=utf-8' },
  '/ui.css': { file: 'ui.css', type: 'text/css; charset=utf-8' },
};

/**
 * Where index.html takes the filter table (filtersJson), in a JSON `<script>` element
 * the page's script reads; the slot is itself JSON (a string), so the page parses as it stands.
 */
const FILTERS_SLOT = '"{{filters}}"';

/** The header every API request carries the run's token in (the page's script sends it). */
export const TOKEN_HEADER = 'x-leakhound-token';

/** A query expression's request body at most. */
export const MAX_BODY_BYTES = 64 << 10;

/** The page loads its own script and stylesheet and talks to its own server, nothing else. */
const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface UiAddress {
  host: string;
  port: number;
  /** Listening on a host that is not loopback was asked for: Host headers are not checked. */
  remote?: boolean;
}

export interface UiServer {
  /** The page's address with the run's token, e.g. http://127.0.0.1:8321/?token=…. */
  url: string;
  /** The run's secret: the page needs it in its URL, every API request in the x-leakhound-token header. */
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** 127.0.0.0/8, ::1 (and IPv4-mapped loopback), `localhost`: where only this machine's users can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  const family = net.isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** Reads the page's files once: a missing one is an installation fault, said at start. */
function loadAssets(dir: string): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const [route, { file, type }] of Object.entries(ASSETS)) {
    let body: Buffer;
    try {
      body = fs.readFileSync(path.join(dir, file));
    } catch (err) {
      throw new Error(
        `the web UI's ${file} is missing from ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): run npm run build`,
      );
    }
    // the page's stylesheet starts with the report's, so both read the same
    if (file === 'ui.css') body = Buffer.concat([Buffer.from(`${REPORT_CSS.trim()}\n\n`), body]);
    // the page's filter controls are built from the server's own table
    if (file === 'index.html') body = Buffer.from(body.toString('utf8').replace(FILTERS_SLOT, filtersJson()));
    assets.set(route, { body, type });
  }
  return assets;
}

/**
 * The web UI over HTTP (node:http, nothing else): the page and its two files, and a
 * JSON and SVG API over the recording the views hold. GET (and HEAD) only, except
 * POST /api/query. Any other path is a 404; nothing is read from disk after start but
 * the recording's own profiles. Every API path but /api/processes takes
 * `process=<index>`, an index into /api/processes's list (default 0, the headline's).
 *
 * The query box runs code, so the server guards against other users of the machine
 * and other sites reaching it through the user's browser: the page needs the run's
 * secret token in its URL (`?token=`) and every API request needs it in the
 * x-leakhound-token header (403 otherwise; the page's own script and stylesheet hold
 * no data and need none); on loopback it answers only requests whose Host is a
 * loopback name with its port (DNS rebinding); an API request with a foreign Origin
 * or `Sec-Fetch-Site: cross-site` is refused, and a query must be an
 * `application/json` POST (a cross-site page cannot send one, nor the header, without
 * a preflight, which is never granted).
 */
export function serveUi(
  recording: RecordingViews,
  address: UiAddress,
  options: { assetDir?: string; query?: QueryLimits } = {},
): Promise<UiServer> {
  const assets = loadAssets(options.assetDir ?? ASSET_DIR);
  const token = randomBytes(24).toString('base64url');
  const limits = options.query ?? DEFAULT_QUERY_LIMITS;
  let port = address.port;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(
        `leakhound: internal error serving ${req.method} ${req.url}: ${(err as Error).message?.split('\n')[0] ?? String(err)}\n`,
      );
      if (!res.headersSent)
        sendJson(res, 500, { error: `internal error: ${(err as Error).message?.split('\n')[0] ?? String(err)}` });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? '' : url.slice(q + 1);
    const head = req.method === 'HEAD';

    if (!address.remote && !hostAllowed(req.headers.host, port))
      return sendJson(res, 403, { error: 'this server answers requests for its loopback address only' });

    const asset = assets.get(pathname);
    if (asset) {
      if (!allow(req, res, ['GET', 'HEAD'])) return;
      if (pathname === '/' && !tokenMatches(new URLSearchParams(search).get('token'), token)) {
        return send(
          res,
          403,
          'text/plain; charset=utf-8',
          'open the page at the address leakhound serve printed: it carries the ?token= this page needs\n',
          head,
        );
      }
      return send(res, 200, asset.type, asset.body, head);
    }
    if (pathname.startsWith('/api/')) {
      if (crossSite(req)) return sendJson(res, 403, { error: "the API answers this server's own page only" });
      if (!tokenMatches(req.headers[TOKEN_HEADER], token))
        return sendJson(res, 403, {
          error: `the API needs the run's token in the ${TOKEN_HEADER} header (it is in the address leakhound serve printed)`,
        });
    }
    if (pathname === '/api/query') {
      if (!allow(req, res, ['POST'])) return;
      return query(req, res, new URLSearchParams(search));
    }
    const group = /^\/api\/group\/(\d{1,10})(\.svg)?$/.exec(pathname);
    const known =
      [
        '/api/processes',
        '/api/summary',
        '/api/groups',
        '/api/timeline.svg',
        '/api/leak-timeline.svg',
        '/api/memory.svg',
        '/api/flame.svg',
      ].includes(pathname) || group;
    if (!known) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (!allow(req, res, ['GET', 'HEAD'])) return;

    try {
      const params = new URLSearchParams(search);
      if (pathname === '/api/processes') {
        if ([...params.keys()].length) throw new BadRequest('the list of processes takes no parameters');
        return sendJson(res, 200, recording.processes(), head);
      }
      const views = recording.viewsFor(params);
      if (pathname === '/api/summary') return sendJson(res, 200, views.summary(), head);
      if (pathname === '/api/groups') return sendJson(res, 200, views.groups(parseFilters(params)), head);
      if (pathname === '/api/timeline.svg') return sendSvg(res, views.timelineSvg(parseFilters(params)), head);
      if (pathname === '/api/leak-timeline.svg') {
        const leaks = views.leakTimelineSvg(parseFilters(params));
        return leaks
          ? sendSvg(res, leaks, head)
          : sendJson(res, 404, { error: 'the filters keep no allocation of a site with a leak verdict' });
      }
      if (pathname === '/api/flame.svg') {
        const weigh = flameWeight(params);
        return sendSvg(res, views.flameSvg(parseFilters(params), weigh), head);
      }
      if (pathname === '/api/memory.svg') {
        const memory = views.memorySvg();
        return memory
          ? sendSvg(res, memory, head)
          : sendJson(res, 404, { error: 'this recording sampled no memory series' });
      }
      if ([...params.keys()].length) throw new BadRequest('a group takes no parameters but process');
      const stackId = Number(group![1]);
      const found = group![2] ? views.groupSvg(stackId) : views.group(stackId);
      if (found === undefined) return sendJson(res, 404, { error: `no allocation site has stack id ${stackId}` });
      return typeof found === 'string' ? sendSvg(res, found, head) : sendJson(res, 200, found, head);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  }

  async function query(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): Promise<void> {
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, { error: 'send the query as application/json: {"expression": "…"}' });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) {
      res.setHeader('connection', 'close');
      return sendJson(res, 413, { error: `the request is larger than ${MAX_BODY_BYTES >> 10} KiB` });
    }
    let expression: unknown;
    try {
      expression = (JSON.parse(body.toString('utf8')) as { expression?: unknown } | null)?.expression;
    } catch (err) {
      return sendJson(res, 400, { error: `the body is not JSON: ${(err as Error).message}` });
    }
    if (typeof expression !== 'string' || expression.trim() === '') {
      return sendJson(res, 400, {
        error: 'expected {"expression": "…"}, such as {"expression": "allocations().onlyNeverFreed().len()"}',
      });
    }
    try {
      const views = recording.viewsFor(params);
      if ([...params.keys()].length) throw new BadRequest('a query takes no parameters but process');
      return sendJson(res, 200, runQuery(views, expression, limits));
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: address.port, host: address.host, exclusive: true }, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      resolve({
        url: `http://${host}:${port}/?token=${token}`,
        token,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * The flame graph's `weigh=` (FLAME_WEIGHTS; never-freed when absent, as before it
 * existed), taken out of `params` so the rest are the filters.
 */
function flameWeight(params: URLSearchParams): FlameWeight {
  const given = params.getAll('weigh');
  params.delete('weigh');
  if (given.length > 1) throw new BadRequest('weigh is given more than once');
  if (given.length === 0) return 'never-freed';
  const weigh = FLAME_WEIGHTS.find((w) => w === given[0]);
  if (!weigh) throw new BadRequest(`weigh: expected ${FLAME_WEIGHTS.join(' or ')}, got ${JSON.stringify(given[0])}`);
  return weigh;
}

/** A request another origin's page made (a form, a fetch, an image): its Origin is not this server's. */
function crossSite(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  return (
    (origin !== undefined && origin !== `http://${req.headers.host}`) || req.headers['sec-fetch-site'] === 'cross-site'
  );
}

/** The token given (a query parameter or a header) is the run's, compared in constant time. */
function tokenMatches(given: string | string[] | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A Host header naming a loopback address and the server's port. */
function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return m !== null && isLoopback(m[1]) && Number(m[2] ?? 80) === port;
}

/** True when the method is one of `methods`; answers 405 otherwise. */
function allow(req: http.IncomingMessage, res: http.ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  res.writeHead(405, {
    ...SECURITY_HEADERS,
    allow: methods.join(', '),
    'content-type': 'application/json; charset=utf-8',
  });
  res.end(JSON.stringify({ error: `${req.method} is not allowed here: ${methods.join(' or ')}` }));
  return false;
}

/** The body, or null when it is larger than `limit` bytes (what was sent is drained, not kept). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, head = false): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), head);
}

function sendSvg(res: http.ServerResponse, svg: string, head = false): void {
  send(res, 200, 'image/svg+xml; charset=utf-8', svg, head);
}
