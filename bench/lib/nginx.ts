/** nginx for bench/servers.ts: a tiny configuration serving one static file, driven by wrk. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The file served: 1 KiB, so a request costs nginx's request handling more than copying bytes. */
export const SERVED = 'index.html';

/**
 * Writes `<dir>/nginx.conf` (and the file it serves) for one nginx process on `port`:
 * `daemon off` keeps it in the foreground under the tool that started it; `master_process
 * off` makes it one process that accepts and serves (no fork), so the process a tool records
 * is the one doing the work, and on a small machine no second worker competes with wrk.
 * Everything nginx writes goes under `dir`; no access log, so requests cost no file write.
 * Returns the nginx command line.
 */
export function nginxCommand(dir: string, port: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, SERVED), `${'leakhound '.repeat(102)}\n`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`);
  const config = [
    'daemon off;',
    'master_process off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    `http { access_log off; ${temp.join(' ')}`,
    `  server { listen 127.0.0.1:${port}; root ${dir}; } }`,
  ];
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `${config.join('\n')}\n`);
  return ['nginx', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')];
}

/** The nginx process itself, not the tool around it: its pid file, which nginx writes just after it starts listening. */
export async function nginxPid(dir: string): Promise<number> {
  const file = path.join(dir, 'nginx.pid');
  for (let i = 0; i < 400; i++, await sleep(25)) {
    // empty while nginx writes it
    const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0;
    if (pid > 0) return pid;
  }
  throw new Error(`nginx wrote no ${file}`);
}

/** SIGQUIT to nginx: it finishes its requests and exits 0. */
export async function stopNginx(dir: string): Promise<void> {
  process.kill(await nginxPid(dir), 'SIGQUIT');
}

/** `wrk -t1 -c<connections> -d<seconds>s` on the served file: the requests it made, and their rate. */
export async function wrk(
  port: number,
  load: { seconds: number; connections: number },
): Promise<{ requests: number; requestsPerSecond: number }> {
  const args = ['-t1', `-c${load.connections}`, `-d${load.seconds}s`, `http://127.0.0.1:${port}/${SERVED}`];
  const { stdout } = await run('wrk', args);
  const rps = stdout.match(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = stdout.match(/^\s*(\d+) requests in/m);
  if (!rps || !requests) throw new Error(`wrk printed no requests and Requests/sec: ${stdout}`);
  // a server answering errors would look fast
  if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw failed requests: ${stdout}`);
  return { requests: Number(requests[1]), requestsPerSecond: Number(rps[1]) };
}
