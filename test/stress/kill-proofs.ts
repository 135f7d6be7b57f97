/**
 * Crash and kill proofs: `leakhound record` around programs killed at random moments
 * (a seeded PRNG: the same moments on every run of the suite), and around a program
 * that forks, execs, spawns, vforks and dumps itself. Whatever happens, every profile
 * a run wrote must load, no run may hang, and no process's profile may be lost.
 * Each proof prints its counts. Used with many runs by test/stress/crash-proofs.test.ts
 * (`npm run test:stress`) and with a few by test/e2e/crash-proofs.test.ts (`npm test`).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSync } from '../../src/api/load';
import { pidInName, writtenProfiles } from '../../src/recorders/launch';
import { childrenOf } from '../../src/recorders/rss/proc';
import { prng } from '../../src/simulate/prng';
import { AnalysisJson, runCli, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { NODE_FIXTURES } from '../helpers/node-patterns';
import { RunningRecord, startRecord } from '../helpers/running-record';
import { alive, killTree, pollUntil, signal, treeOf, within } from './processes';
import { keepProfiles } from './repeat';

/** The seed of every proof's random moments (STRESS_SEED in the environment replaces it). */
export const SEED = Number(process.env.STRESS_SEED ?? 15);
/** A run that has not ended by then hung (a guard, far above any run's length; no time is asserted). */
const HANG_LIMIT_MS = 30_000;

/** What one run did, and what went wrong besides its profiles' loading. */
interface RunOutcome {
  /** How the run went, counted in the summary ("ended by SIGKILL", "ran to its end first"…). */
  kind: string;
  profiles: string[];
  /** Each profile must have its end record: the recorder ended it, however the program ended. */
  complete?: boolean;
  problem?: string;
}

/** Loads a profile or throws; returns the loader's warnings. */
type Load = (file: string) => string[];

/** `leakhound analyze --json` exits 0 (a warned partial load is fine): its warnings. */
const analyzeLoads: Load = (file) => {
  const r = runCli(['analyze', file, '--json']);
  if (r.code !== 0) throw new Error(`analyze exited ${r.code}: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as AnalysisJson & { warnings?: string[] }).warnings ?? [];
};

/** The loader, in this process (for runs of many profiles): its warnings. */
const loaderLoads: Load = (file) => loadSync(file).info.warnings;

/** A warning without its file name and numbers, so that alike warnings count together. */
const warningKind = (w: string): string => w.replace(/\S+\.lhp\b/g, '<profile>').replace(/\d[\d,]*/g, 'N');

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const listed = (map: Map<string, number>): string => [...map].map(([k, n]) => `${n}× ${k}`).join('; ');

/**
 * Runs `once` `runs` times with a PRNG seeded by `seed`, checks that every profile
 * each run wrote loads, prints the counts, keeps failed runs' profiles and fails on
 * any problem (or when no run wrote a profile: then nothing was proved).
 */
async function prove(
  title: string,
  runs: number,
  seed: number,
  load: Load,
  once: (rand: () => number, dir: string, run: number) => Promise<RunOutcome>,
): Promise<void> {
  const rand = prng(seed);
  const dir = tmpDir('leakhound-proof-');
  const kinds = new Map<string, number>();
  const warnings = new Map<string, number>();
  const failures: string[] = [];
  let loaded = 0;
  for (let run = 1; run <= runs; run++) {
    const r = await once(rand, dir, run);
    count(kinds, r.kind);
    const problems = r.problem ? [r.problem] : [];
    for (const file of r.profiles) {
      try {
        const fileWarnings = load(file);
        for (const w of fileWarnings) count(warnings, warningKind(w));
        if (r.complete && fileWarnings.some((w) => w.includes('has no end record')))
          problems.push(`${path.basename(file)} has no end record`);
        loaded++;
      } catch (err) {
        problems.push(`${path.basename(file)} does not load: ${(err as Error).message}`);
      }
    }
    if (problems.length)
      failures.push(`run ${run}: ${problems.join('; ')} (kept: ${keepProfiles(title, run, r.profiles)})`);
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  }
  console.log(
    `${title} — seed ${seed}, ${runs} runs: ${listed(kinds)}; ${loaded} profiles loaded, ${failures.length} runs failed`,
  );
  if (warnings.size) console.log(`  loader warnings: ${listed(warnings)}`);
  assert.deepEqual(failures, [], `${failures.length} of ${runs} runs failed`);
  assert.ok(loaded > 0, 'no run wrote a profile: nothing was proved');
}

/** The program `record` started, once it has. */
async function programOf(rec: RunningRecord): Promise<number> {
  let pid = 0;
  await rec.waitFor(() => (pid = childrenOf(rec.child.pid!)[0] ?? 0) > 0, 'the program to start');
  return pid;
}

/** record's exit code, or 'hung' (then record and its program are killed). */
async function ending(rec: RunningRecord, program: number): Promise<number | null | 'hung'> {
  const code = await within(rec.exited, HANG_LIMIT_MS);
  if (rec.hasExited()) return code ?? null;
  killTree([...treeOf(rec.child.pid!), program]);
  await rec.exited;
  return 'hung';
}

const windows = new Map<string, number>();

/** How long `command` runs under `record` when left alone (ms from its start to its end, record's finishing after it left out): the window for kill moments. */
async function runLength(command: string[]): Promise<number> {
  const key = command.join('\0');
  let ms = windows.get(key);
  if (ms === undefined) {
    const dir = tmpDir('leakhound-proof-window-');
    const rec = startRecord(path.join(dir, 'alone.lhp'), command);
    const pid = await programOf(rec);
    const start = Date.now();
    await pollUntil(() => !alive(pid), HANG_LIMIT_MS);
    ms = Date.now() - start;
    assert.equal(await rec.exited, 0, `${command.join(' ')} alone: ${rec.stderr()}`);
    windows.set(key, ms);
  }
  return ms;
}

/** The kind of an ending from record's exit code, given the signal the program was sent (0 when it ran to its end). */
function endedBy(code: number | null | 'hung', sent: NodeJS.Signals): { kind: string; problem?: string } {
  const expected = 128 + (sent === 'SIGKILL' ? 9 : 15);
  if (code === 'hung') return { kind: 'hung', problem: `record had not ended ${HANG_LIMIT_MS / 1000} s after ${sent}` };
  if (code === expected) return { kind: `ended by ${sent}` };
  if (code === 0) return { kind: 'ran to its end first' };
  return { kind: `exit ${code}`, problem: `record exited ${code}, expected ${expected} (or 0)` };
}

const withNoProfile = (kind: string, profiles: string[]): string =>
  profiles.length ? kind : `${kind}, no profile written`;

/** Starts `record -o <dir>/run<n>.lhp -- <program>` and waits for the program to start. */
async function startRun(
  dir: string,
  run: number,
  program: string[],
): Promise<{ output: string; rec: RunningRecord; pid: number }> {
  const output = path.join(dir, `run${run}.lhp`);
  const rec = startRecord(output, program);
  return { output, rec, pid: await programOf(rec) };
}

/** `runs` recordings of `program` SIGKILLed at a random moment of its first `length` ms: every profile loads. */
async function proveSigkill(
  title: string,
  program: string[],
  length: number,
  runs: number,
  seed: number,
): Promise<void> {
  await prove(`${title} (moments up to ${length} ms)`, runs, seed, analyzeLoads, async (rand, dir, run) => {
    const { output, rec, pid } = await startRun(dir, run, program);
    await sleep(rand() * length);
    signal(pid, 'SIGKILL');
    const { kind, problem } = endedBy(await ending(rec, pid), 'SIGKILL');
    const profiles = writtenProfiles(output);
    return { kind: withNoProfile(kind, profiles), profiles, problem };
  });
}

/** `runs` recordings of a 4-thread allocating program SIGKILLed at a random moment of its run: every profile loads. */
export async function proveProgramSigkill(runs: number, seed = SEED): Promise<void> {
  const program = [buildFixture('stress-threads')];
  await proveSigkill('SIGKILL of a 4-thread program', program, await runLength(program), runs, seed);
}

/** How long the Node.js program runs before it is killed, at most (it runs until killed). */
const NODE_WINDOW_MS = 3000;

/** `runs` recordings of a Node.js program (forever.js) SIGKILLed at a random moment: every profile loads. */
export function proveNodeSigkill(runs: number, seed = SEED + 2): Promise<void> {
  return proveSigkill(
    'SIGKILL of a Node.js program',
    ['node', path.join(NODE_FIXTURES, 'forever.js')],
    NODE_WINDOW_MS,
    runs,
    seed,
  );
}

/**
 * `runs` SIGTERMs at random moments, to `record` or to the program (a coin toss): no
 * hang, and every profile loads with its end record (the recorder's flusher thread
 * ends it while the signal handler waits; a profile exists only once the recorder's
 * start-up, which holds the signal off, has begun).
 */
export async function proveSigterm(runs: number, seed = SEED + 1): Promise<void> {
  const program = [buildFixture('stress-threads')];
  const length = await runLength(program);
  await prove(
    `SIGTERM to record or to the program (moments up to ${length} ms)`,
    runs,
    seed,
    analyzeLoads,
    async (rand, dir, run) => {
      const { output, rec, pid } = await startRun(dir, run, program);
      const toRecord = rand() < 0.5;
      await sleep(rand() * length);
      signal(toRecord ? rec.child.pid! : pid, 'SIGTERM');
      const ended = endedBy(await ending(rec, pid), 'SIGTERM');
      const profiles = writtenProfiles(output);
      return {
        kind: withNoProfile(`${ended.kind} (sent to ${toRecord ? 'record' : 'the program'})`, profiles),
        profiles,
        complete: true,
        problem: ended.problem,
      };
    },
  );
}

/** `runs` times `record` itself SIGKILLed at a random moment: its program runs on to its end, and its profile loads. */
export async function proveLauncherSigkill(runs: number, seed = SEED + 3): Promise<void> {
  const program = [buildFixture('stress-threads')];
  const length = await runLength(program);
  await prove(
    `SIGKILL of record itself (moments up to ${length} ms)`,
    runs,
    seed,
    analyzeLoads,
    async (rand, dir, run) => {
      const { output, rec, pid } = await startRun(dir, run, program);
      await sleep(rand() * length);
      rec.child.kill('SIGKILL');
      await rec.exited;
      const programEnded = await pollUntil(() => !alive(pid), HANG_LIMIT_MS);
      if (!programEnded) killTree([pid]);
      const profiles = writtenProfiles(output);
      const problem = !programEnded
        ? `the program had not ended ${HANG_LIMIT_MS / 1000} s after record was killed`
        : !profiles.includes(output)
          ? `no profile ${path.basename(output)} from the program`
          : undefined;
      return { kind: 'record killed, the program ran on', profiles, problem };
    },
  );
}

function hasDumpMark(file: string): boolean {
  try {
    return loadSync(file).marks.some((m) => m.label === 'SIGUSR2 dump');
  } catch {
    return false; // its loading failure is reported as such
  }
}

/** The lines `<kind> <pid>` the mixed program prints, one per process image. */
function announcedImages(stdout: string): { kind: string; pid: number }[] {
  return [...stdout.matchAll(/^(main|fork|leaf) (\d+)$/gm)].map((m) => ({ kind: m[1], pid: Number(m[2]) }));
}

/**
 * `runs` recordings of a program mixing threads, fork, fork+exec, posix_spawn,
 * vfork+exec and SIGUSR2 dumps (of its own, and one sent at a random moment, as
 * `kill -USR2`: `leakhound dump`, a node process to start, would come too late on a
 * busy machine): no deadlock, every child exits 0, and there is one loadable profile per
 * process image, each of the pid that image announced.
 */
export async function proveMixedProcesses(runs: number, seed = SEED + 4): Promise<void> {
  const program = [buildFixture('stress-procs')];
  const length = await runLength(program);
  await prove(
    `threads, fork, exec, posix_spawn, vfork and dumps (a dump at moments up to ${length} ms)`,
    runs,
    seed,
    loaderLoads,
    async (rand, dir, run) => {
      const { output, rec, pid } = await startRun(dir, run, program);
      // SIGUSR2 kills a process the recorder is not in yet: the dump waits for the program's first line
      await rec.waitFor(() => /^main /m.test(rec.stdout()), 'the program to run');
      await sleep(rand() * length);
      const dumped = alive(pid);
      signal(pid, 'SIGUSR2');
      const code = await ending(rec, pid);
      await finished(rec.child.stdout!); // every line the program's processes wrote
      const profiles = writtenProfiles(output);
      const images = announcedImages(rec.stdout());
      const main = images.find((i) => i.kind === 'main')?.pid;
      const profilePids = profiles.map((f) => (f === output ? main : pidInName(f))).sort();
      const imagePids = images.map((i) => i.pid).sort();
      const problems = [
        code !== 0 &&
          `record ${code === 'hung' ? `had not ended ${HANG_LIMIT_MS / 1000} s after the dump (deadlock?)` : `exited ${code}: a child failed`}`,
        JSON.stringify(profilePids) !== JSON.stringify(imagePids) &&
          `${profiles.length} profiles for ${images.length} process images (pids ${profilePids.join(' ')} against ${imagePids.join(' ')})`,
        code === 0 &&
          !hasDumpMark(output) &&
          'the main profile has no dump mark, though its threads dumped it again and again',
      ].filter((p): p is string => typeof p === 'string');
      return {
        kind: `${images.length} process images, ${dumped ? 'dumped by SIGUSR2 mid-run' : 'ended before the SIGUSR2'}`,
        profiles,
        problem: problems.join('; ') || undefined,
      };
    },
  );
}
