/**
 * A synthetic recording of several processes, written with LhpWriter, for the report's
 * and the web UI's process picker: `run.lhp`, a launcher (`sh -c …`, a few start-up
 * allocations) that started a leaking child and eight workers that do not leak.
 */
import * as path from 'node:path';
import { LhpWriter } from '../../src/format/writer';

export const LAUNCHER_PID = 100;
export const LEAKING_PID = 200;
/** The workers' pids, busiest first: 300 allocates the most, 307 the least. */
export const WORKER_PIDS = [300, 301, 302, 303, 304, 305, 306, 307];

/** The leaking child's allocating function; the workers allocate in WORKER_FUNCTION, every allocation freed. */
export const LEAK_FUNCTION = 'rememberSession';
export const WORKER_FUNCTION = 'parseRequest';

interface Process {
  pid: number;
  command: string;
  fn: string;
  allocations: number;
  leaks: boolean;
}

/**
 * A second of work by `fn`, a stack of two frames: each allocation freed 0.1 s later,
 * or, leaking, never.
 */
function writeProcess(file: string, p: Process): void {
  const w = LhpWriter.create(file, { recorder: 'node', pid: p.pid, command: p.command.split(' ') });
  w.process(p.pid, p.pid === LAUNCHER_PID ? 1 : LAUNCHER_PID, p.command);
  const stack = w.stack([
    w.frame({ function: p.fn, file: `/app/${p.fn}.js`, line: 12 }),
    w.frame({ function: 'handle', file: '/app/server.js', line: 30 }),
  ]);
  const step = 1e9 / p.allocations;
  for (let i = 0; i < p.allocations; i++) {
    w.alloc(i * step, i + 1, 200, stack, 1);
    if (!p.leaks) w.free(i * step + 1e8, i + 1);
  }
  w.finish(1e9);
  w.close();
}

/** Writes the recording into `dir`; returns `run.lhp`, the file a user names. */
export function writeProcessRecording(dir: string): string {
  const main = path.join(dir, 'run.lhp');
  writeProcess(main, {
    pid: LAUNCHER_PID,
    command: 'sh -c ./start.sh',
    fn: 'startShell',
    allocations: 20,
    leaks: false,
  });
  writeProcess(path.join(dir, `run.${LEAKING_PID}.lhp`), {
    pid: LEAKING_PID,
    command: 'node server.js',
    fn: LEAK_FUNCTION,
    allocations: 2_000,
    leaks: true,
  });
  for (const [k, pid] of WORKER_PIDS.entries())
    writeProcess(path.join(dir, `run.${pid}.lhp`), {
      pid,
      command: 'node worker.js',
      fn: WORKER_FUNCTION,
      allocations: 1_000 - 50 * k,
      leaks: false,
    });
  return main;
}
