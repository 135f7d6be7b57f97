import { Command } from 'commander';
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors';
import { positiveInt } from './parse';

/** How long to wait for the recorder's flusher (it wakes every 100 ms) to write the dump. */
const WAIT_MS = 3000;

export function dumpCommand(): Command {
  return new Command('dump')
    .description('make a recorded, running process write out its profile and a dump mark, without stopping it (SIGUSR2)')
    .argument('<pid>', 'the process', positiveInt)
    .action(async (pid: number) => {
      const profile = recordedProfile(pid);
      const before = fs.statSync(profile).size;
      process.kill(pid, 'SIGUSR2');
      for (let waited = 0; waited < WAIT_MS; waited += 50) {
        await sleep(50);
        if (fs.statSync(profile).size > before) {
          process.stdout.write(`${profile}\n`);
          return;
        }
      }
      throw new CliError(`process ${pid} did not write to ${profile} within ${WAIT_MS / 1000} s of SIGUSR2 (does it block or handle SIGUSR2 itself?)`);
    });
}

/** The .lhp file a process's preloaded recorder writes; refuses processes not being recorded. */
function recordedProfile(pid: number): string {
  let maps: string;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `no process ${pid}` : `cannot inspect process ${pid}: ${code}`);
  }
  // SIGUSR2 kills a process that does not handle it: only signal one the recorder is in.
  if (!maps.includes('libleakhound.so')) throw new CliError(`process ${pid} is not being recorded by leakhound (start it with leakhound record)`);
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.endsWith('.lhp')) return target;
    } catch {
      // closed meanwhile
    }
  }
  throw new CliError(`process ${pid} has no profile open: its recording has ended`);
}
