/** A leakhound command (`record`, `watch`) left running in the background, for tests that signal, dump or scrape meanwhile. */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI } from './helpers';

export interface RunningRecord {
  child: ChildProcess;
  /** The command's exit code (or null when killed), once it has exited. */
  exited: Promise<number | null>;
  hasExited(): boolean;
  stdout(): string;
  stderr(): string;
  /** Polls until `ready` holds; fails if record exits first. The limit guards against a hang (no time is asserted). */
  waitFor(ready: () => boolean, what: string): Promise<void>;
}

export interface StartOptions {
  /** In a process group of its own, as a terminal starts a command: `process.kill(-pid, 'SIGINT')` is a Ctrl-C. */
  ownGroup?: boolean;
}

export function startRecord(
  output: string,
  command: string[],
  flags: string[] = [],
  options: StartOptions = {},
): RunningRecord {
  return startCli(['record', '-o', output, ...flags, '--', ...command], options);
}

/** `leakhound <args…>` in the background, stdout and stderr captured. */
export function startCli(args: string[], options: StartOptions = {}): RunningRecord {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup === true,
  });
  let stdout = '';
  let stderr = '';
  let done = false;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    hasExited: () => done,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitFor(ready, what) {
      for (let i = 0; !ready(); i++) {
        assert.equal(done, false, `${args[0]} ended while waiting for ${what}; stderr: ${stderr}`);
        if (i > 2400) assert.fail(`gave up waiting for ${what}; stderr: ${stderr}`);
        await sleep(25);
      }
    },
  };
}
