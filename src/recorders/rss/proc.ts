import * as fs from 'node:fs';

/**
 * What /proc tells about a process's memory, read without touching the process:
 * `statm` (about 10 µs) at every sample; `smaps_rollup` (50 µs for a small process,
 * 2 ms for a 100 MiB one, and only for processes one may ptrace) rarely.
 */

/** AT_PAGESZ in the auxiliary vector the kernel gave this process. */
const AT_PAGESZ = 6n;

let pageBytes: number | undefined;

/** The page size, from /proc/self/auxv (Node has no API for it); 4096 if that cannot be read. */
export function pageSize(): number {
  if (pageBytes === undefined) {
    pageBytes = 4096;
    try {
      const auxv = fs.readFileSync('/proc/self/auxv');
      for (let at = 0; at + 16 <= auxv.length; at += 16) {
        if (auxv.readBigUInt64LE(at) === AT_PAGESZ) pageBytes = Number(auxv.readBigUInt64LE(at + 8));
      }
    } catch {
      // not Linux, or /proc not mounted: callers find out on their first read
    }
  }
  return pageBytes;
}

/** Why a read failed: the process is gone, or this user may not read it. */
export type ProcFailure = 'gone' | 'denied';

export class ProcReadError extends Error {
  constructor(
    readonly pid: number,
    readonly failure: ProcFailure,
    readonly file: string,
  ) {
    super(failure === 'gone' ? `process ${pid} does not exist` : `no permission to read /proc/${pid}/${file}`);
  }
}

function read(pid: number, file: string): string {
  try {
    // utf8: latin1 takes a slower path (an extra statx), and /proc's numbers are ASCII
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new ProcReadError(pid, 'denied', file);
    // ENOENT, ESRCH (exited between open and read): gone
    throw new ProcReadError(pid, 'gone', file);
  }
}

/** Resident set size in bytes: the second field of statm (pages). */
export function readResidentBytes(pid: number): number {
  const text = read(pid, 'statm');
  const fields = text.split(' ');
  // a zombie's statm is all zeros: it has released its memory and waits to be reaped
  if (fields[0] === '0') throw new ProcReadError(pid, 'gone', 'statm');
  return Number(fields[1]) * pageSize();
}

/** The smaps_rollup figures beyond RSS: what the process's share of shared pages and its swap come to. */
export interface Rollup {
  /** Proportional set size: private pages plus a 1/n share of pages n processes map. */
  pss: number;
  swap: number;
}

/** PSS and swap from smaps_rollup (kB lines), or the reason they cannot be read. */
export function readRollup(pid: number): Rollup {
  const text = read(pid, 'smaps_rollup');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  // an empty rollup: a kernel thread, or a process exiting
  if (!text.includes('Pss:')) throw new ProcReadError(pid, 'gone', 'smaps_rollup');
  return { pss: kb('Pss'), swap: kb('Swap') };
}

/**
 * The children of a process: each of its threads lists the children it forked
 * (/proc/<pid>/task/<tid>/children). Empty when the process is gone.
 */
export function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
    } catch {
      continue;
    }
    for (const field of text.split(' ')) if (field !== '') children.push(Number(field));
  }
  return children;
}

/** The process's command line, shortened to its program and first arguments; its `comm` when that is empty (kernel threads, zombies). */
export function commandOf(pid: number, maxLength = 60): string {
  try {
    const argv = fs
      .readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      .split('\0')
      .filter((a) => a !== '');
    if (argv.length > 0) {
      const text = argv.join(' ');
      return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
    }
    return `[${fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim()}]`;
  } catch {
    return `pid ${pid}`;
  }
}

/** Whether the process exists; throws ProcReadError('gone') when not. */
export function assertProcess(pid: number): void {
  read(pid, 'stat');
}
