/**
 * A CPU hog on every core, as a busy CI machine has: one `yes >/dev/null` per core.
 *
 *   describe('…', () => { hogEveryCore(); … })   // for the suite: started before, stopped after
 *   const hog = startCpuHog();                    // or by hand
 *   await hog.stop();                             // every `yes` is gone when it resolves
 *
 * Each `yes` runs under a small shell that kills it when its stdin closes, and the
 * stdin is a pipe from this process: the hog ends with the suite however the suite
 * ends (a failed test, an uncaught error, even SIGKILL), not only through stop().
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import { after, before } from 'node:test';

export interface CpuHog {
  /** How many `yes` run: one per core. */
  cores: number;
  stop(): Promise<void>;
}

const WATCHED_YES = 'yes >/dev/null & read _; kill $!; wait $! 2>/dev/null';

export function startCpuHog(): CpuHog {
  const cores = os.availableParallelism();
  const shells: ChildProcess[] = [];
  for (let i = 0; i < cores; i++)
    shells.push(spawn('sh', ['-c', WATCHED_YES], { stdio: ['pipe', 'ignore', 'inherit'] }));
  return {
    cores,
    async stop() {
      await Promise.all(
        shells.map(
          (sh) =>
            new Promise<void>((resolve) => {
              if (sh.exitCode !== null || sh.signalCode !== null) return resolve();
              sh.once('exit', () => resolve());
              sh.stdin!.end(); // read returns, the shell kills its yes and exits
            }),
        ),
      );
    },
  };
}

/** A CPU hog on every core for the suite it is called in (node:test before and after hooks); says so. */
export function hogEveryCore(): void {
  let hog: CpuHog | undefined;
  before(() => {
    hog = startCpuHog();
    console.log(`CPU hog: ${hog.cores} × yes >/dev/null`);
  });
  after(() => hog?.stop());
}
