/**
 * The fuzz run: seeds made into a temporary directory, then worker processes that
 * each analyze input after input in-process (worker.ts). The parent holds the limits:
 * an input that runs past the time limit, or whose worker's RSS grows past the memory
 * limit, has its worker killed (SIGKILL) and replaced; a worker that dies on its own
 * is a crash. Every failing input is copied to `outDir` with a note of what happened.
 *
 * Processes, not worker threads: a thread's memory cannot be told from its siblings'
 * (typed arrays live outside the V8 heap that `resourceLimits` bounds), and only a
 * process can be killed whatever it is doing.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FromWorker } from './protocol';
import { checkSeeds, makeSeeds, SEED_NAMES } from './seeds';

export interface FuzzOptions {
  /** The run's seed: with it and the same seed files, input i is the same bytes everywhere. */
  seed: number;
  /** A folder of seed files to use (seeds.ts SEED_NAMES); default: fresh ones, made at the start. */
  seeds?: string;
  /** Stop after this many inputs … */
  inputs: number;
  /** … or after this long, whichever comes first. */
  durationMs: number;
  timeLimitMs: number;
  /** An input may grow its worker's RSS by memoryBase + memoryFactor × its file size. */
  memoryBaseBytes: number;
  memoryFactor: number;
  workers: number;
  /** Where failing inputs go (made when the first one fails). */
  outDir: string;
  /** A progress line now and then. */
  log?: (line: string) => void;
  /** Ends the run early (Ctrl-C): the inputs judged so far are the summary. */
  signal?: AbortSignal;
}

export type FailureKind = 'internal' | 'message' | 'differs' | 'time' | 'memory' | 'crash';

export interface Failure {
  kind: FailureKind;
  index: number;
  seed: string;
  steps: string[];
  size: number;
  message: string;
  stack?: string;
  /** Where the input was saved. */
  file: string;
}

export interface SeedCounts {
  inputs: number;
  ok: number;
  refused: number;
  failed: number;
}

export interface FuzzSummary {
  seed: number;
  inputs: number;
  ok: number;
  refused: number;
  failures: Failure[];
  bySeed: Record<string, SeedCounts>;
  elapsedMs: number;
}

/** A worker is replaced after this many inputs, so what one input leaves behind cannot add up. */
const INPUTS_PER_WORKER = 3000;
const POLL_MS = 25;
const PAGE_SIZE = 4096;

interface InFlight {
  index: number;
  seed: string;
  steps: string[];
  file: string;
  size: number;
  rssBefore: number;
  started: number;
}

interface Worker {
  child: ChildProcess;
  inFlight?: InFlight;
  done: number;
  stderr: string;
  /** Killed by the pool: its exit is no crash. */
  killed: boolean;
}

function rssOf(pid: number): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_SIZE;
  } catch {
    return undefined;
  }
}

/** A scratch directory in memory when there is one: every input is written to a file. */
function scratchDir(): string {
  const shm = '/dev/shm';
  const base = fs.existsSync(shm) && fs.statSync(shm).isDirectory() ? shm : os.tmpdir();
  return fs.mkdtempSync(path.join(base, 'leakhound-fuzz-'));
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const work = scratchDir();
  try {
    const seedDir = options.seeds ?? path.join(work, 'seeds');
    if (options.seeds) checkSeeds(seedDir);
    else await makeSeeds(seedDir);
    return await new Pool(options, seedDir, work).run();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

class Pool {
  private readonly workers = new Set<Worker>();
  private next = 0;
  private readonly started = Date.now();
  private readonly summary: FuzzSummary;
  private finish!: (error?: Error) => void;
  private workerIds = 0;
  /** Workers that exit from now on were stopped (by the pool, or by the Ctrl-C that ended the run). */
  private finished = false;

  constructor(
    private readonly options: FuzzOptions,
    private readonly seedDir: string,
    private readonly work: string,
  ) {
    const bySeed = Object.fromEntries(SEED_NAMES.map((name) => [name, { inputs: 0, ok: 0, refused: 0, failed: 0 }]));
    this.summary = { seed: options.seed, inputs: 0, ok: 0, refused: 0, failures: [], bySeed, elapsedMs: 0 };
  }

  run(): Promise<FuzzSummary> {
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => this.watchLimits(), POLL_MS);
      const progress = setInterval(() => this.options.log?.(this.progressLine()), 30_000);
      let finished = false;
      this.finish = (error) => {
        if (finished) return;
        finished = true;
        this.finished = true;
        clearInterval(poll);
        clearInterval(progress);
        for (const w of this.workers) this.kill(w);
        this.summary.elapsedMs = Date.now() - this.started;
        if (error) reject(error);
        else resolve(this.summary);
      };
      if (this.options.signal?.aborted) return this.finish();
      this.options.signal?.addEventListener('abort', () => this.finish());
      for (let i = 0; i < this.options.workers; i++) this.startWorker();
    });
  }

  private moreToDo(): boolean {
    return !this.finished && this.next < this.options.inputs && Date.now() - this.started < this.options.durationMs;
  }

  private startWorker(): void {
    if (!this.moreToDo()) return this.finishWhenIdle();
    const id = String(this.workerIds++);
    const child = fork(path.join(__dirname, 'worker.ts'), [this.seedDir, this.work, String(this.options.seed), id], {
      execArgv: ['--import', 'tsx'],
      cwd: path.resolve(__dirname, '..', '..'), // where `--import tsx` is found
      // a fixed mmap threshold: glibc's moving one would hand a later input's big columns
      // recycled heap pages that calloc must zero (resident), where a fresh process gets untouched ones
      env: {
        ...process.env,
        LEAKHOUND_CACHE_DIR: path.join(this.work, 'cache'),
        MALLOC_MMAP_THRESHOLD_: String(128 << 10),
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker: Worker = { child, done: 0, stderr: '', killed: false };
    this.workers.add(worker);
    child.stderr!.on('data', (chunk: Buffer) => (worker.stderr = (worker.stderr + chunk.toString()).slice(-2000)));
    child.on('message', (message: FromWorker) => this.onMessage(worker, message));
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
  }

  private dispatch(worker: Worker): void {
    if (!this.moreToDo()) {
      this.kill(worker);
      return this.finishWhenIdle();
    }
    worker.child.send({ index: this.next++ });
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    if (worker.killed) return; // its input was already judged
    if (message.type === 'ready') return this.dispatch(worker);
    if (message.type === 'start') {
      worker.inFlight = { ...message, started: Date.now() };
      return;
    }
    const input = worker.inFlight!;
    worker.inFlight = undefined;
    worker.done++;
    const { verdict } = message;
    if (verdict.kind !== 'ok' && verdict.kind !== 'refused')
      this.fail(input, verdict.kind, verdict.message, verdict.stack);
    else if (message.ms > this.options.timeLimitMs)
      this.fail(input, 'time', `took ${Math.round(message.ms)} ms (limit ${this.options.timeLimitMs} ms)`);
    else if (message.peakGrowth !== undefined && message.peakGrowth > this.memoryLimit(input.size))
      this.fail(
        input,
        'memory',
        `RSS grew by ${mib(message.peakGrowth)} (limit ${mib(this.memoryLimit(input.size))} for ${input.size} bytes)`,
      );
    else this.count(input.seed, verdict.kind);
    if (worker.done >= INPUTS_PER_WORKER) {
      this.kill(worker);
      return this.startWorker();
    }
    this.dispatch(worker);
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(worker);
    if (worker.killed || this.finished) return this.finishWhenIdle();
    // the terminal's Ctrl-C reaches the workers too, perhaps before the parent's handler runs
    if (signal === 'SIGINT' || signal === 'SIGTERM') return this.finish();
    const input = worker.inFlight;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (!input) return this.finish(new Error(`a fuzz worker ${how} before it took an input:\n${worker.stderr}`));
    this.fail(input, 'crash', `worker ${how}: ${worker.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.startWorker();
  }

  /** Kills workers whose input is past a limit, and starts their replacements. */
  private watchLimits(): void {
    const now = Date.now();
    for (const worker of this.workers) {
      const input = worker.inFlight;
      if (!input) continue;
      const growth = (rssOf(worker.child.pid!) ?? input.rssBefore) - input.rssBefore;
      let failure: [FailureKind, string] | undefined;
      if (now - input.started > this.options.timeLimitMs)
        failure = ['time', `no answer in ${this.options.timeLimitMs} ms`];
      else if (growth > this.memoryLimit(input.size))
        failure = ['memory', `RSS grew past ${mib(this.memoryLimit(input.size))} for ${input.size} bytes`];
      if (!failure) continue;
      this.fail(input, ...failure);
      worker.inFlight = undefined;
      this.kill(worker);
      this.startWorker();
    }
  }

  private memoryLimit(size: number): number {
    return this.options.memoryBaseBytes + this.options.memoryFactor * size;
  }

  private kill(worker: Worker): void {
    worker.killed = true;
    worker.child.kill('SIGKILL');
  }

  private finishWhenIdle(): void {
    if (this.workers.size === 0 || [...this.workers].every((w) => w.killed)) this.finish();
  }

  private count(seed: string, kind: 'ok' | 'refused' | 'failed'): void {
    this.summary.inputs++;
    this.summary.bySeed[seed].inputs++;
    this.summary.bySeed[seed][kind]++;
    if (kind !== 'failed') this.summary[kind]++;
  }

  private fail(input: InFlight, kind: FailureKind, message: string, stack?: string): void {
    this.count(input.seed, 'failed');
    fs.mkdirSync(this.options.outDir, { recursive: true });
    const file = path.join(this.options.outDir, `${kind}-${this.options.seed}-${input.index}-${input.seed}`);
    fs.copyFileSync(input.file, file);
    const failure: Failure = {
      kind,
      index: input.index,
      seed: input.seed,
      steps: input.steps,
      size: input.size,
      message,
      stack,
      file,
    };
    fs.writeFileSync(`${file}.why.txt`, failureNote(failure, this.options.seed));
    this.summary.failures.push(failure);
  }

  private progressLine(): string {
    const s = this.summary;
    const seconds = (Date.now() - this.started) / 1000;
    return `fuzz: ${s.inputs} inputs in ${Math.round(seconds)} s (${Math.round(s.inputs / seconds)}/s), ${s.failures.length} failed`;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function failureNote(f: Failure, seed: number): string {
  return [
    `${f.kind}: ${f.message}`,
    ...(f.stack ? [f.stack] : []),
    `input ${f.index} of seed ${seed}: ${f.seed} mutated: ${f.steps.join('; ')} (${f.size} bytes)`,
    `replay: npm run fuzz -- --replay ${f.file}`,
    '',
  ].join('\n');
}
