/** `leakhound serve` started as a user starts it, and plain HTTP requests to it: what the serve tests share. */
import * as http from 'node:http';
import { TOKEN_HEADER } from '../../src/app/web/server';
import { RunningRecord, startCli } from './running-record';

/** The line serve prints: the file, and the page's address with the run's token. */
export const URL_LINE = /^leakhound: serving (.+) at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]{32}))$/m;

export interface Served {
  server: RunningRecord;
  /** The printed address, token included. */
  url: string;
  port: number;
  token: string;
}

const running: RunningRecord[] = [];
/** Each started server's token, by port. */
const tokens = new Map<number, string>();

/** `leakhound serve <args>` in the background, once it says where it listens. */
export async function startServe(args: string[]): Promise<Served> {
  const server = startCli(['serve', ...args]);
  running.push(server);
  await server.waitFor(() => URL_LINE.test(server.stderr()), 'the URL line');
  const m = URL_LINE.exec(server.stderr())!;
  tokens.set(Number(m[3]), m[4]);
  return { server, url: m[2], port: Number(m[3]), token: m[4] };
}

/** Kills what startServe started and waits for it (for a test file's `after`). */
export async function stopServers(): Promise<void> {
  for (const r of running) {
    if (!r.hasExited()) r.child.kill('SIGKILL');
    await r.exited;
  }
}

/**
 * A request with the path sent as written (fetch would resolve `..` first) and any headers; the
 * server's token goes in its header unless `headers` names that header (undefined: none sent).
 */
export function raw(
  port: number,
  method: string,
  requestPath: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: string,
): Promise<{ status: number; type: string; body: string }> {
  const sent: http.OutgoingHttpHeaders = { [TOKEN_HEADER]: tokens.get(port), ...headers };
  for (const [name, value] of Object.entries(sent)) if (value === undefined) delete sent[name];
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: requestPath, headers: sent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
