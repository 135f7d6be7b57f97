/**
 * A fuzz worker (forked by pool.ts): makes the inputs it is given by index, writes
 * each to its own file and analyzes it in this process, reporting to the parent
 * before (so that the parent can time it, watch its memory and save it if the worker
 * has to be killed) and after.
 *
 *   argv: <seed dir> <work dir> <run seed> <worker id>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeInProcess, Outcome } from './analyze-in-process';
import { Input, loadSeed, makeInput } from './mutate';
import { SEED_NAMES } from './seeds';
import { FromWorker, ToWorker, Verdict } from './protocol';

const [seedDir, workDir, runSeed, id] = process.argv.slice(2);
const seeds = SEED_NAMES.map((name) => loadSeed(path.join(seedDir, name)));

/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS; false where the kernel does not allow it. */
function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function peakRss(): number | undefined {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : undefined;
}

const seedAnalyses = new Map<string, Outcome>();

/** The outcome, and for a sound input whether it is the seed's own. */
function judge(outcome: Outcome, input: Input): Verdict {
  if (!input.sound || (outcome.kind !== 'ok' && outcome.kind !== 'refused'))
    return outcome.kind === 'ok' ? { kind: 'ok' } : outcome;
  let expected = seedAnalyses.get(input.seed);
  if (!expected) seedAnalyses.set(input.seed, (expected = analyzeInProcess(path.join(seedDir, input.seed))));
  if (outcome.kind === 'refused') return { kind: 'differs', message: `a sound file was refused: ${outcome.message}` };
  if (expected.kind !== 'ok' || outcome.json === expected.json) return { kind: 'ok' };
  let at = 0;
  while (outcome.json[at] === expected.json[at]) at++;
  const around = (json: string) => JSON.stringify(json.slice(Math.max(0, at - 40), at + 40));
  return {
    kind: 'differs',
    message: `a sound file analyzed differently from its seed: ${around(outcome.json)} where the seed gives ${around(expected.json)}`,
  };
}

function send(message: FromWorker): void {
  process.send!(message);
}

process.on('message', (message: ToWorker) => {
  const input = makeInput(seeds, Number(runSeed), message.index);
  const file = path.join(workDir, `worker-${id}-${input.seed}`);
  fs.writeFileSync(file, input.bytes);
  const peakKnown = resetPeak();
  const rssBefore = process.memoryUsage.rss();
  send({
    type: 'start',
    index: message.index,
    seed: input.seed,
    steps: input.steps,
    file,
    size: input.bytes.length,
    rssBefore,
  });
  const started = performance.now();
  const outcome = analyzeInProcess(file);
  const ms = performance.now() - started;
  const peak = peakKnown ? peakRss() : undefined;
  // the worker's file name is no part of what went wrong: failures group by their messages
  const verdict = judge(outcome, input);
  if (verdict.kind !== 'ok') verdict.message = verdict.message.replaceAll(file, '<input>');
  send({
    type: 'done',
    index: message.index,
    verdict,
    ms,
    peakGrowth: peak === undefined ? undefined : Math.max(0, peak - rssBefore),
  });
});

send({ type: 'ready' });
