/**
 * `record --report-every` / `--report-dir`: HTML reports of a recording while it runs,
 * every so often, at each SIGUSR2 sent to `record`, and once at the end.
 *
 * Each report is of the recording up to its moment: the profiles' sizes when it was
 * due (momentNow), read no further. A worker process writes them (report-job.ts), at a
 * low priority, keeping the recording loaded from one report to the next: `record`'s
 * own event loop stays free to forward signals, and each report reads only what was
 * appended since the last. One report at a time: a tick while one is being written is
 * skipped, not queued.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DUMP_WAIT_MS, fileSize, waitForDump } from '../../recorders/dump-wait';
import { RecordError } from '../../recorders/errors';
import { makeDirectory } from '../../util/regular-files';
import { Moment, momentNow } from './recording-so-far';
import { ReportWorker } from './report-job';

export interface PeriodicReportOptions {
  /** The profile reported (record's `-o` file). */
  profile: string;
  /** Where the reports go; created by `prepareReportDir`. */
  dir: string;
  /** Milliseconds between two reports; none: reports at SIGUSR2 and at the end only. */
  everyMs?: number;
  /** Where the lines for the user go (default: stderr). */
  log?: (line: string) => void;
}

/** The default report directory of a profile: `run.lhp` → `run-reports` beside it. */
export function defaultReportDir(output: string): string {
  return `${output.replace(/\.lhp$/, '')}-reports`;
}

/** `report-001.html`, …, `report-1000.html`. */
export function numberedReport(n: number): string {
  return `report-${String(n).padStart(3, '0')}.html`;
}
export const FINAL_REPORT = 'report-final.html';
export const LATEST_REPORT = 'latest.html';

const STALE_REPORT = /^(report-\d{3,}|report-final|latest)\.html$/;

/**
 * Creates the report directory (and its parents) and checks that it can be written,
 * before the program starts; removes the reports an earlier recording left there
 * (`report-<n>.html`, `report-final.html`, `latest.html`), which would pass for this
 * one's. A RecordError (one line) when it cannot be.
 */
export function prepareReportDir(dir: string): void {
  try {
    makeDirectory(dir);
    const probe = path.join(dir, `.leakhound-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
    for (const name of fs.readdirSync(dir))
      if (STALE_REPORT.test(name)) fs.rmSync(path.join(dir, name), { force: true });
  } catch (err) {
    throw new RecordError(
      `cannot write reports in ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

type Why = 'tick' | 'dump' | 'final';

/**
 * Between reports the worker reads on every second: a report then reads only the last
 * second's records, and the final one, once the program has ended, little more.
 */
const READ_ON_MS = 1000;

/**
 * The report jobs of one recording. `start()` before the program runs (its SIGUSR2
 * listener must come before the launcher's, which forwards the signal: the
 * profile's size is taken before the program hears of the dump), `finish()` once
 * the recording is over, `stop()` when `record` fails.
 */
export class PeriodicReports {
  private readonly log: (line: string) => void;
  private readonly worker: ReportWorker;
  private timer: NodeJS.Timeout | undefined;
  private readOnTimer: NodeJS.Timeout | undefined;
  private job: Promise<void> | undefined;
  /** Numbered reports written so far; a failed job's number is used again. */
  private written = 0;
  /** A SIGUSR2 came while a job was running: a report is due once it ends. */
  private dumpPending = false;
  /** Ticks skipped because a report was being written. */
  private skipped = 0;
  private ended = false;
  private listening = false;

  constructor(private readonly options: PeriodicReportOptions) {
    this.worker = new ReportWorker(options.profile);
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  start(): void {
    process.on('SIGUSR2', this.onDump);
    this.listening = true;
    this.readOnTimer = setInterval(() => this.readOn(), READ_ON_MS);
    this.readOnTimer.unref();
    if (this.options.everyMs !== undefined) {
      this.timer = setInterval(() => this.onTick(), this.options.everyMs);
      this.timer.unref();
    }
    const every = this.options.everyMs === undefined ? '' : `every ${this.every()}, `;
    this.log(
      `leakhound: reports into ${this.options.dir} (${every}at each kill -USR2 ${process.pid} and at the end; the latest as ${LATEST_REPORT})`,
    );
  }

  /**
   * The program has ended (and its profile is finished): waits for a report job
   * under way, then writes the final report. Its path, or undefined when there is no
   * profile or the job failed (a warning says why).
   */
  async finish(): Promise<string | undefined> {
    this.ended = true;
    this.dumpPending = false;
    this.stopTimers();
    try {
      await this.job;
      if (this.skipped > 0)
        this.log(
          `leakhound: ${this.skipped} ${this.skipped === 1 ? 'report was' : 'reports were'} skipped, due while one was being written`,
        );
      if (fileSize(this.options.profile) === 0) return undefined;
      return await this.run('final', 'end');
    } finally {
      this.unlisten();
      this.worker.close();
    }
  }

  /** `record` failed: no more reports; a report under way is abandoned. */
  stop(): void {
    this.ended = true;
    this.stopTimers();
    this.unlisten();
    this.worker.kill();
  }

  /** The period as given: 10 min, 30 s, 1500 ms. */
  private every(): string {
    const t = this.options.everyMs ?? 0;
    for (const [unit, size] of [
      ['h', 3_600_000],
      ['min', 60_000],
      ['s', 1000],
    ] as const)
      if (t % size === 0) return `${t / size} ${unit}`;
    return `${t} ms`;
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearInterval(this.readOnTimer);
  }

  private unlisten(): void {
    if (this.listening) process.off('SIGUSR2', this.onDump);
    this.listening = false;
  }

  private readOn(): void {
    if (this.ended || this.job || fileSize(this.options.profile) === 0) return;
    this.worker.readOn(momentNow(this.options.profile));
  }

  private onTick(): void {
    if (this.ended) return;
    if (this.job || this.dumpPending) {
      if (this.skipped++ === 0) {
        this.log(
          `leakhound: a report takes longer than --report-every (${this.every()}): the reports due while one is being written are skipped`,
        );
      }
      return;
    }
    // nothing to report before the recorder has written the profile's header
    if (fileSize(this.options.profile) === 0) return;
    this.launch('tick', momentNow(this.options.profile));
  }

  /**
   * A SIGUSR2 to `record`: this listener runs before the launcher forwards it, so the
   * size read here is the profile's before the dump.
   */
  private readonly onDump = (): void => {
    if (this.ended) return;
    const before = fileSize(this.options.profile);
    void waitForDump(this.options.profile, before).then((written) => {
      if (this.ended) return;
      if (!written)
        this.log(
          `leakhound: warning: ${this.options.profile} shows no dump ${DUMP_WAIT_MS / 1000} s after SIGUSR2: reporting what it holds`,
        );
      if (this.job) this.dumpPending = true;
      else this.launch('dump', momentNow(this.options.profile));
    });
  };

  private launch(why: Why, moment: Moment): void {
    this.job = this.run(why, moment)
      .then(() => undefined)
      .finally(() => {
        this.job = undefined;
        if (this.dumpPending && !this.ended) {
          this.dumpPending = false;
          // the dump came while a report was being written: this one is of the recording as it is now
          this.launch('dump', momentNow(this.options.profile));
        }
      });
  }

  /** One report, of the recording up to `moment`; resolves to the report written, or undefined (after a warning). */
  private async run(why: Why, moment: Moment | 'end'): Promise<string | undefined> {
    const name = why === 'final' ? FINAL_REPORT : numberedReport(this.written + 1);
    const file = path.join(this.options.dir, name);
    const failure = await this.worker.write({ output: file, moment });
    if (failure !== undefined) {
      this.log(`leakhound: warning: report ${file} not written: ${failure}`);
      return undefined;
    }
    if (why !== 'final') this.written++;
    try {
      const temporary = path.join(this.options.dir, `.${LATEST_REPORT}.${process.pid}.tmp`);
      fs.copyFileSync(file, temporary);
      fs.renameSync(temporary, path.join(this.options.dir, LATEST_REPORT));
    } catch (err) {
      this.log(
        `leakhound: warning: cannot update ${path.join(this.options.dir, LATEST_REPORT)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    if (why === 'dump') this.log(`leakhound: report at SIGUSR2: ${file}`);
    return file;
  }
}
