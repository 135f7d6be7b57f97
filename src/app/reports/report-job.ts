/**
 * `record`'s side of the report worker (report-worker.ts): started at the first
 * report, asked for one report at a time, kept until the recording is over.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Moment } from './recording-so-far';

/**
 * What the worker is asked: a report of the recording up to `moment` (`'end'`: all of
 * it), written to `output`; or, without an output, to read on up to `moment`.
 */
export type ReportJob = { output: string; moment: Moment | 'end' } | { output?: undefined; moment: Moment };

/** The worker's answer: no error when the report was written. */
export interface ReportAnswer {
  error?: string;
}

/**
 * The worker's niceness: where it competes for a CPU with the program recorded, it
 * gets about a tenth of the share (Linux's CFS weights nice 10 against 0 as 110 to
 * 1024), and still finishes the final report when the machine is otherwise busy.
 */
export const WORKER_NICENESS = 10;

/** The compiled worker beside this file (report-worker.js; .ts when run through tsx). */
const WORKER = path.join(__dirname, `report-worker${path.extname(__filename)}`);

export class ReportWorker {
  private child: ChildProcess | undefined;
  private answer: ((why: string | undefined) => void) | undefined;
  private stderr = '';
  /** The last job sent: the next is sent once it is answered, so each waits for those before it. */
  private last: Promise<unknown> = Promise.resolve();
  private busy = false;
  private closed = false;

  constructor(private readonly profile: string) {}

  /** Writes one report (after the job under way); resolves to undefined when it is written, else why not (one line). */
  write(job: ReportJob & { output: string }): Promise<string | undefined> {
    return this.queue(job);
  }

  /** Has the worker read on up to `moment`, unless it is busy: a report of a later moment then reads less. */
  readOn(moment: Moment): void {
    if (!this.busy) void this.queue({ moment });
  }

  private queue(job: ReportJob): Promise<string | undefined> {
    this.busy = true;
    const answered = this.last.then(
      () =>
        new Promise<string | undefined>((resolve) => {
          if (this.closed) return resolve('the recording is over');
          this.answer = resolve;
          this.started().send(job);
        }),
    );
    this.last = answered;
    void answered.then(() => {
      if (this.last === answered) this.busy = false;
    });
    return answered;
  }

  /** The recording is over: the worker ends once its channel closes. */
  close(): void {
    this.closed = true;
    if (this.child?.connected) this.child.disconnect();
    this.child = undefined;
  }

  /** `record` failed: the worker is ended, a report under way with it. */
  kill(): void {
    this.child?.kill('SIGTERM');
    this.close();
  }

  private started(): ChildProcess {
    if (this.child) return this.child;
    // in record's session, not a new one: with the kernel's autogroups, nice ranks a
    // process only among those of its session (report-worker.ts ignores a Ctrl-C)
    const child = fork(WORKER, [this.profile], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child = child;
    this.stderr = '';
    try {
      if (child.pid !== undefined) os.setPriority(child.pid, WORKER_NICENESS);
    } catch {
      // where priorities cannot be set, the worker runs at record's
    }
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4096);
    });
    child.on('message', (answer: ReportAnswer) => this.settle(answer.error));
    child.on('error', (err) => this.ended(child, err.message));
    child.once('exit', (code, signal) =>
      this.ended(
        child,
        signal ? `the report worker was ended by ${signal}` : `the report worker exited with code ${code}`,
      ),
    );
    return child;
  }

  /** The worker is gone: the report under way fails (with its last words), and the next report starts another. */
  private ended(child: ChildProcess, why: string): void {
    if (this.child === child) this.child = undefined;
    const last = this.stderr.trim().split('\n').pop();
    this.settle(last || why);
  }

  private settle(why: string | undefined): void {
    const answer = this.answer;
    this.answer = undefined;
    answer?.(why);
  }
}
