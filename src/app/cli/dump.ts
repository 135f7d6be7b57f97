import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DUMP_WAIT_MS, waitFor, waitForDump } from '../../recorders/dump-wait';
import { HEAP_SNAPSHOT_ENV, OUTPUT_ENV } from '../../recorders/node/settings';
import { CliError } from './errors';
import { positiveInt } from './parse';

/** A heap snapshot of a large heap takes seconds (2.8 s at 30 MB). */
const SNAPSHOT_WAIT_MS = 120_000;

export function dumpCommand(): Command {
  return new Command('dump')
    .description(
      'make a recorded, running process write out its profile and a dump mark, without stopping it (SIGUSR2)',
    )
    .argument('<pid>', 'the process', positiveInt)
    .action(async (pid: number) => {
      const { profile, heapSnapshots } = recordedProcess(pid);
      const before = fs.statSync(profile).size;
      const snapshotsBefore = heapSnapshots ? snapshotsBeside(profile) : [];
      process.kill(pid, 'SIGUSR2');
      if (!(await waitForDump(profile, before))) {
        throw new CliError(
          `process ${pid} did not write its dump to ${profile} within ${DUMP_WAIT_MS / 1000} s of SIGUSR2 (does it block or handle SIGUSR2 itself?)`,
        );
      }
      process.stdout.write(`${profile}\n`);
      if (!heapSnapshots) return;
      let written: string[] = [];
      await waitFor(
        SNAPSHOT_WAIT_MS,
        () => (written = snapshotsBeside(profile).filter((f) => !snapshotsBefore.includes(f))).length > 0,
      );
      if (written.length === 0)
        throw new CliError(`process ${pid} wrote no heap snapshot within ${SNAPSHOT_WAIT_MS / 1000} s`);
      process.stdout.write(`${written.join('\n')}\n`);
    });
}

/** The heap snapshots the node recorder writes beside a profile: `<profile>.<n>.heapsnapshot`. */
function snapshotsBeside(profile: string): string[] {
  const base = path.basename(profile).replace(/\.lhp$/, '');
  const dir = path.dirname(profile);
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && /^\d+\.heapsnapshot$/.test(f.slice(base.length + 1)))
    .map((f) => path.join(dir, f));
}

interface RecordedProcess {
  /** The .lhp file the process writes (its main thread's, for node). */
  profile: string;
  /** The node recorder writes a heap snapshot at each dump. */
  heapSnapshots: boolean;
}

/**
 * What a process's recorder writes; refuses processes not being recorded: SIGUSR2
 * kills a process that does not handle it, so only one a recorder is in (the
 * preloaded library, or the node agent, which keeps its profile open) is signalled.
 */
function recordedProcess(pid: number): RecordedProcess {
  const maps = readProc(pid, 'maps');
  const environ = readProc(pid, 'environ').split('\0');
  const native = maps.includes('libleakhound.so');
  const node = environ.some((v) => v.startsWith(`${OUTPUT_ENV}=`));
  const profiles = openProfiles(pid);
  if (!native && !(node && profiles.length > 0))
    throw new CliError(`process ${pid} is not being recorded by leakhound (start it with leakhound record)`);
  // A node process's worker threads have profiles of their own, `<base>.<pid>.<thread>.lhp`.
  const profile = profiles.find((f) => !new RegExp(`\\.${pid}\\.\\d+\\.lhp$`).test(f)) ?? profiles[0];
  if (!profile) throw new CliError(`process ${pid} has no profile open: its recording has ended`);
  return { profile, heapSnapshots: !native && environ.includes(`${HEAP_SNAPSHOT_ENV}=1`) };
}

function readProc(pid: number, what: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `no process ${pid}` : `cannot inspect process ${pid}: ${code}`);
  }
}

function openProfiles(pid: number): string[] {
  const found: string[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.endsWith('.lhp')) found.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return found;
}
