import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import { LhpWriter } from '../../format/writer';
import type { HeapSampler } from './heap-sampler';
import {
  gcSeries,
  observeGarbageCollections,
  performanceClockOffset,
  sampleMemory,
  selfSampler,
} from './memory-series';
import { ProgramCpu } from './program-cpu';
import { SampleLifetimes } from './sample-lifetimes';
import type { NodeRecorderSettings } from './settings';

const MEMORY_SAMPLE_MS = 100;
/**
 * With GC-free polls an old object is seen to die only at a full GC, and a short
 * run may have one or two: a census is asked for when the last full GC is older
 * than this share of the run so far (at least CENSUS_MIN_MS). V8 marks
 * incrementally, beside the program: on bench:node's allocating script, a census
 * every 250 ms cost nothing measurable, where a forced full GC every 500 ms made
 * its HTTP server 1.5× slower (one every second 1.05–1.25×).
 */
const CENSUS_SHARE = 0.05;
const CENSUS_MIN_MS = 250;

const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Records one thread's JavaScript heap (every isolate has its own): the live
 * heap samples polled over time, the memory figures, GCs, dump marks. Everything
 * is written and flushed as it is learnt, so a killed process leaves a readable
 * profile up to its last poll.
 */
export class NodeRecorder {
  private readonly startNs = process.hrtime.bigint();
  private readonly writer: LhpWriter;
  private readonly lifetimes: SampleLifetimes;
  /** GCs as node reports them, where the sampler does not time them itself. */
  private readonly gcObserver?: ReturnType<typeof observeGarbageCollections>;
  /** The process's own RSS, read as `watch` reads it. */
  private readonly memory = selfSampler();
  private readonly cpu: ProgramCpu;
  private memoryTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  /** A poll right after a full GC is on its way. */
  private pollSoon = false;
  /** When the latest full GC ended, and when a census was last asked for (ns, the stream's clock). */
  private lastMajorGcNs = 0;
  private lastCensusNs = 0;
  private dumps = 0;
  private finished = false;

  constructor(
    private readonly file: string,
    private readonly settings: NodeRecorderSettings,
    private readonly sampler: HeapSampler,
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
        sampler: sampler.kind,
        node: process.version,
        thread: threadId,
      },
    });
    this.writer.process(process.pid, process.ppid, command.join(' '));
    this.writer.thread(threadId, isMainThread ? 'main' : `worker ${threadId}`);
    // on disk at once: a program killed before its first poll still leaves a profile that loads (an empty file would not)
    this.writer.flush();
    this.lifetimes = new SampleLifetimes(this.writer, threadId);
    this.cpu = new ProgramCpu(() => sampler.threadCpuNs());
    if (!sampler.gcFreePolls)
      this.gcObserver = observeGarbageCollections(this.writer, performanceClockOffset(this.now()));
  }

  start(): void {
    this.sampler.start(this.settings.samplingInterval);
    this.sampler.onMajorGc(this.onMajorGc);
    this.memoryTimer = setInterval(() => this.guard(() => this.sampleMemory()), MEMORY_SAMPLE_MS);
    this.memoryTimer.unref();
    this.schedulePoll(this.sampler.cadence.minMs);
    process.on('exit', this.onExit);
    if (!isMainThread) return; // signals reach the main thread only
    process.on('SIGUSR2', this.onDump);
    for (const s of ENDING_SIGNALS) process.on(s, this.onEndingSignal);
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /**
   * One poll of the live samples, dated by both clocks. Returns its cost in ms: the
   * CPU time it took where that can be read, as a pause on a busy machine also
   * counts the time the program was descheduled, and would space the polls out.
   */
  private poll(): number {
    const at = this.now();
    const cpu = this.cpu.now();
    if (cpu !== undefined) this.writer.sample(at, 'leakhound.cpu', cpu);
    const pause = this.cpu.recorderWork(() => this.readLiveSamples(at));
    return (this.cpu.lastWorkNs ?? pause) / 1e6;
  }

  /** Reads and writes the live samples and the GCs since the last poll; returns the pause, in ns. */
  private readLiveSamples(at: number): number {
    const live = this.sampler.poll();
    const lastGc = live.lastGcHrtimeNs === undefined ? undefined : this.fromHrtime(live.lastGcHrtimeNs);
    this.lifetimes.record(live, at, lastGc);
    const gcs = live.gcs ?? [];
    for (let i = 0; i < gcs.length; i += 3)
      this.writer.sample(Math.max(0, Math.round(this.fromHrtime(gcs[i]))), gcSeries(gcs[i + 2]), gcs[i + 1]);
    if (live.lastMajorGcHrtimeNs !== undefined) this.lastMajorGcNs = this.fromHrtime(live.lastMajorGcHrtimeNs);
    const pause = this.now() - at;
    this.writer.sample(at, 'leakhound.poll', pause);
    this.writer.flush();
    this.keepExitListenerLast();
    return pause;
  }

  /** An hrtime reading (ns, as the addon gives them) on the stream's clock. */
  private fromHrtime(ns: number): number {
    return ns - Number(this.startNs);
  }

  /**
   * Adaptive polling (--poll-interval auto): the next poll waits until the last
   * one's pause is the sampler's budget of the time between them, within its bounds.
   */
  private schedulePoll(delayMs: number): void {
    this.pollTimer = setTimeout(() => this.guard(() => this.pollAndReschedule()), delayMs);
    this.pollTimer.unref();
  }

  private pollAndReschedule(): void {
    clearTimeout(this.pollTimer);
    this.pollSoon = false;
    const pause = this.poll();
    if (this.sampler.gcFreePolls) this.censusIfDue();
    const { budget, minMs, maxMs } = this.sampler.cadence;
    this.schedulePoll(
      this.settings.poll === 'auto' ? Math.min(maxMs, Math.max(minMs, pause / budget)) : this.settings.poll,
    );
  }

  private censusIfDue(): void {
    const at = this.now();
    const gap = Math.max(CENSUS_MIN_MS * 1e6, CENSUS_SHARE * at);
    if (at - Math.max(this.lastMajorGcNs, this.lastCensusNs) < gap) return;
    this.lastCensusNs = at;
    this.sampler.startCensus();
    this.writer.sample(at, 'leakhound.census', at - this.lastMajorGcNs);
  }

  /** A full GC has just freed what it found dead: a poll sees those deaths now rather than at the next tick. */
  private readonly onMajorGc = (): void => {
    if (this.pollSoon || this.finished) return;
    this.pollSoon = true;
    setImmediate(() => this.guard(() => this.pollAndReschedule())).unref();
  };

  private sampleMemory(): void {
    this.cpu.recorderWork(() => sampleMemory(this.writer, this.memory, this.now()));
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
    this.guard(() =>
      this.cpu.recorderWork(() => {
        this.writer.mark(this.now(), 'SIGUSR2 dump');
        this.sampler.collectGarbage();
        this.poll();
        if (this.settings.heapSnapshotOnDump) this.writeHeapSnapshot();
      }),
    );

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
    this.gcObserver?.disconnect();
  }

  private finish(): void {
    this.stop();
    this.sampleMemory();
    // what the program's exit handlers let go of is freed at exit, not left alive
    this.cpu.recorderWork(() => {
      this.sampler.collectGarbage();
      this.poll();
    });
    this.sampler.stop();
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
