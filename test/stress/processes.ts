/** Processes the kill proofs look at and clean up after: process trees, liveness, time limits. */
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf } from '../../src/recorders/rss/proc';

/** The process and its descendants, parents first. */
export function treeOf(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(treeOf)];
}

/** Whether the process runs (a zombie, dead but not yet reaped, does not). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILLs a process tree this suite started (a run that hung), quietly skipping what is gone. */
export function killTree(pids: number[]): void {
  for (const pid of pids) signal(pid, 'SIGKILL');
}

/** kill(2), where the process may have ended meanwhile. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // it ended first
  }
}

/** `promise`'s value, or undefined when it has not settled within `ms` (a hang guard, not a time asserted). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const guard = new AbortController();
  const timeout = sleep(ms, undefined, { signal: guard.signal }).catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    guard.abort();
  }
}

/** Polls until `done` holds or `ms` pass; whether it held. */
export async function pollUntil(done: () => boolean, ms: number, every = 20): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (done()) return true;
    await sleep(every);
  }
  return done();
}
