import { Command, InvalidArgumentError, Option } from 'commander';
import { userInfo } from 'node:os';
import type { DiagnoseOptions } from '../../diagnose/options';
import { recordingParts } from '../../api/recording';
import { RecordingViews } from '../web/recording-views';
import { isLoopback, serveUi, UiServer } from '../web/server';
import { CliError, EXIT, warn } from './errors';
import { diagnoseOptionsOf, withDiagnoseOptions } from './diagnose-options';

interface ServeOptions extends DiagnoseOptions {
  host: string;
  port: number;
  allowRemote?: boolean;
}

const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function serveCommand(): Command {
  const command = new Command('serve')
    .description(
      "a web UI for a recording: the report's views with filters (verdict, size, lifetime, time, function, file) and a box to run query expressions; a recording of several processes has a process picker",
    )
    .argument('<profile>', 'an .lhp recording, a heaptrack file or a .heapprofile')
    .option(
      '--host <host>',
      'the address to listen on: loopback (127.0.0.1, ::1, localhost) unless --allow-remote',
      '127.0.0.1',
    )
    .addOption(new Option('--port <port>', 'the port (0 picks a free one)').default(8321).argParser(port))
    .option(
      '--allow-remote',
      'listen on a --host other machines can reach: anyone who reaches it and has the token in the printed address can run query expressions, code, as you',
    );
  return withDiagnoseOptions(command).action(async (profile: string, opts: ServeOptions) => {
    process.exitCode = await serve(profile, opts);
  });
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || n > 65535)
    throw new InvalidArgumentError('expected a port from 0 (any free one) to 65535');
  return n;
}

async function serve(file: string, options: ServeOptions): Promise<number> {
  // an IPv6 address may be written as in a URL: [::1]
  const opts = { ...options, host: options.host.replace(/^\[(.*)\]$/, '$1') };
  const remote = !isLoopback(opts.host);
  if (remote && !opts.allowRemote) {
    throw new CliError(
      `--host ${opts.host} is not a loopback address: the query box runs code, so say --allow-remote to let other machines reach it`,
    );
  }
  const views = new RecordingViews(recordingParts(file), file, diagnoseOptionsOf(opts));
  for (const skipped of views.recording.skipped) warn(skipped);

  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  for (const s of ENDING_SIGNALS) process.on(s, stop);
  let server: UiServer | undefined;
  try {
    server = await serveUi(views, { host: opts.host, port: opts.port, remote }).catch((err: NodeJS.ErrnoException) => {
      if (!err.code) throw err;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use (--port 0 picks a free one)'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code;
      throw new CliError(`cannot serve on ${opts.host}:${opts.port}: ${why}`);
    });
    if (remote) {
      const port = new URL(server.url).port;
      process.stderr.write(
        `leakhound: warning: listening on ${opts.host}, not loopback: anyone who can reach port ${port} and has the token can read the recording and run code (query expressions) as ${userInfo().username}\n`,
      );
    }
    process.stderr.write(`leakhound: serving ${file} at ${server.url}\n`);
    await stopped;
    return EXIT.ok;
  } finally {
    for (const s of ENDING_SIGNALS) process.off(s, stop);
    await server?.close();
  }
}
