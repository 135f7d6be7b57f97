import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { LhpWriter } from '../../format/writer';
import { observeGarbageCollections, performanceClockOffset, sampleMemory, selfSampler } from './memory-series';
import { SampleLifetimes, SamplingProfile } from './sample-lifetimes';
import type { NodeRecorderSettings } from './settings';

/**
 * Adaptive polling: a poll forces a full GC, which pauses the thread (tens of ms
 * on a 30 MB heap) and, worse, throws away optimized code that the program then
 * re-optimizes: on a warm HTTP server a poll costs 5–10× its pause (bench:node).
 * So the next poll waits until the pause is POLL_BUDGET of the time between them,
 * within [MIN, MAX]: a few % of real cost.
 */
const POLL_BUDGET = 0.005;
const MIN_POLL_MS = 500;
const MAX_POLL_MS = 60_000;
const MEMORY_SAMPLE_MS = 100;

const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Records one thread's JavaScript heap (every isolate has its own): the live
 * heap samples polled over time, the memory figures, GCs, dump marks. Everything
 * is written and flushed as it is learnt, so a killed process leaves a readable
 * profile up to its last poll.
 */
export class NodeRecorder {
  private readonly startNs = process.hrtime.bigint();
  private readonly session = new inspector.Session();
  private readonly writer: LhpWriter;
  private readonly lifetimes: SampleLifetimes;
  private readonly gcObserver: ReturnType<typeof observeGarbageCollections>;
  /** The process's own RSS, read as `watch` reads it. */
  private readonly memory = selfSampler();
  private memoryTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private dumps = 0;
  private finished = false;

  constructor(
    private readonly file: string,
    private readonly settings: NodeRecorderSettings,
  ) {
    const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
    this.writer = LhpWriter.create(file, {
      recorder: 'node',
      startNs: this.startNs.toString(),
      command,
      pid: process.pid,
      options: {
        samplingInterval: settings.samplingInterval,
        poll: settings.poll,
        keepInlining: settings.keepInlining,
        node: process.version,
        thread: threadId,
      },
    });
    this.writer.process(process.pid, process.ppid, command.join(' '));
    this.writer.thread(threadId, isMainThread ? 'main' : `worker ${threadId}`);
    this.lifetimes = new SampleLifetimes(this.writer, threadId);
    this.gcObserver = observeGarbageCollections(this.writer, performanceClockOffset(this.now()));
  }

  start(): void {
    this.session.connect();
    this.post('HeapProfiler.startSampling', { samplingInterval: this.settings.samplingInterval });
    this.memoryTimer = setInterval(() => this.guard(() => this.sampleMemory()), MEMORY_SAMPLE_MS);
    this.memoryTimer.unref();
    this.schedulePoll(MIN_POLL_MS);
    process.on('exit', this.onExit);
    if (!isMainThread) return; // signals reach the main thread only
    process.on('SIGUSR2', this.onDump);
    for (const s of ENDING_SIGNALS) process.on(s, this.onEndingSignal);
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /** In-thread inspector sessions answer synchronously. */
  private post<T>(method: string, params?: object): T {
    let answer: { error: Error | null; result?: T } | undefined;
    this.session.post(method, params, (error, result) => (answer = { error, result: result as T }));
    if (!answer) throw new Error(`${method} did not answer synchronously`);
    if (answer.error) throw answer.error;
    return answer.result as T;
  }

  /** One poll of the live samples; returns the pause it caused, in ms. */
  private poll(): number {
    const at = this.now();
    const { profile } = this.post<{ profile: SamplingProfile }>('HeapProfiler.getSamplingProfile');
    const pause = this.now() - at;
    this.lifetimes.record(profile, at);
    this.writer.sample(at, 'leakhound.poll', pause);
    this.writer.flush();
    this.keepExitListenerLast();
    return pause / 1e6;
  }

  private schedulePoll(delayMs: number): void {
    this.pollTimer = setTimeout(() => {
      this.guard(() => {
        const pause = this.poll();
        this.schedulePoll(this.settings.poll === 'auto' ? Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, pause / POLL_BUDGET)) : this.settings.poll);
      });
    }, delayMs);
    this.pollTimer.unref();
  }

  private sampleMemory(): void {
    sampleMemory(this.writer, this.memory, this.now());
    this.writer.flush();
  }

  /**
   * The program's own exit handlers (a shutdown hook clearing a cache) must run
   * before the last poll: ours is moved behind those added since.
   */
  private keepExitListenerLast(): void {
    const listeners = process.listeners('exit');
    if (listeners[listeners.length - 1] === this.onExit) return;
    process.removeListener('exit', this.onExit);
    process.on('exit', this.onExit);
  }

  private readonly onExit = (): void => this.guard(() => this.finish());

  private readonly onDump = (): void =>
    this.guard(() => {
      this.writer.mark(this.now(), 'SIGUSR2 dump');
      this.poll();
      if (this.settings.heapSnapshotOnDump) this.writeHeapSnapshot();
    });

  /**
   * SIGINT, SIGTERM and SIGHUP kill a program that does not handle them: the
   * profile is finished first, then the signal does what it would have done.
   * A program with its own handler decides for itself (and its exit finishes
   * the profile).
   */
  private readonly onEndingSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) return;
    this.guard(() => this.finish());
    for (const s of ENDING_SIGNALS) process.removeListener(s, this.onEndingSignal);
    process.kill(process.pid, signal);
  };

  /** `<profile>.<n>.heapsnapshot`, written under a temporary name so a complete file is all anyone sees. */
  private writeHeapSnapshot(): void {
    const target = `${this.file.replace(/\.lhp$/, '')}.${++this.dumps}.heapsnapshot`;
    const partial = `${target}.partial`;
    v8.writeHeapSnapshot(partial);
    fs.renameSync(partial, target);
    this.writer.mark(this.now(), `heap snapshot: ${target}`);
    this.poll(); // the snapshot paused the program for seconds: a poll dates what came just before
  }

  /** No more timers or GC records: nothing writes after the recording ends, however it ends. */
  private stop(): void {
    this.finished = true;
    clearInterval(this.memoryTimer);
    clearTimeout(this.pollTimer);
    this.gcObserver.disconnect();
  }

  private finish(): void {
    this.stop();
    this.sampleMemory();
    this.poll();
    this.post('HeapProfiler.stopSampling');
    this.session.disconnect();
    this.writer.finish(this.now());
    this.writer.close();
  }

  /** The recorder must never break the program: what fails stops the recording, with one line. */
  private guard(work: () => void): void {
    if (this.finished) return;
    try {
      work();
    } catch (err) {
      this.stop();
      process.stderr.write(`leakhound: recording of pid ${process.pid} stopped: ${(err as Error).message}\n`);
      try {
        this.writer.close();
      } catch {
        // the profile keeps what was flushed
      }
    }
  }
}
