import * as readline from 'node:readline';
import type { MemoryTrend } from '../diagnose/memory-trend';
import type { WatchState } from '../diagnose/memory-watch';
import type { WatchSummary } from '../diagnose/watch-summary';
import type { ProcessMemory } from '../recorders/rss/tree-sampler';
import { formatBytes, formatSeconds } from '../util/units';
import { sparkline } from './sparkline';
import { terminalText } from './terminal-text';
import { growthText, sampleLine, summaryText } from './watch-text';

/** Where `watch` shows its samples and its summary. */
export interface WatchView {
  update(state: WatchState): void;
  finish(summary: WatchSummary): void;
  /** Writes something else (the program's output) without tearing the view. */
  interject(write: () => void): void;
}

/** A line of `watch --json` per sample: the tree's memory now, and the verdict so far. */
export interface WatchSampleLine
  extends Pick<MemoryTrend, 'verdict' | 'bytesPerSecond' | 'bytesPerSecondLow' | 'bytesPerSecondHigh' | 'confidence'> {
  type: 'sample';
  seconds: number;
  rss: number;
  pss?: number;
  swap?: number;
  processes: ProcessMemory[];
}

/** The last line of `watch --json`. */
export interface WatchSummaryLine extends WatchSummary {
  type: 'summary';
}

export type WatchJsonLine = WatchSampleLine | WatchSummaryLine;

/** `--json`: one object per sample, then the summary, a line each. */
export class JsonView implements WatchView {
  constructor(private readonly out: NodeJS.WritableStream) {}

  update(state: WatchState): void {
    const s = state.sample;
    const processes = s.processes.map(
      (p): ProcessMemory => ({
        pid: p.pid,
        parent: p.parent,
        command: p.command,
        rss: p.rss,
        pss: p.pss,
        swap: p.swap,
      }),
    );
    const { verdict, bytesPerSecond, bytesPerSecondLow, bytesPerSecondHigh, confidence } = state.total;
    this.line({
      type: 'sample',
      seconds: round3(state.seconds),
      rss: s.rss,
      pss: s.pss,
      swap: s.swap,
      verdict,
      bytesPerSecond,
      bytesPerSecondLow,
      bytesPerSecondHigh,
      confidence,
      processes,
    });
  }

  finish(summary: WatchSummary): void {
    this.line({ type: 'summary', ...summary, seconds: round3(summary.seconds) });
  }

  interject(write: () => void): void {
    write();
  }

  private line(value: WatchJsonLine): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }
}

/** Stdout is not a terminal: a line per sample, then the summary (commands made safe for a terminal all the same: the lines may be shown on one later). */
export class LinesView implements WatchView {
  constructor(private readonly out: NodeJS.WritableStream) {}

  update(state: WatchState): void {
    this.out.write(`${terminalText(sampleLine(state))}\n`);
  }

  finish(summary: WatchSummary): void {
    this.out.write(`${terminalText(summaryText(summary))}\n`);
  }

  interject(write: () => void): void {
    write();
  }
}

/** Points of the sparkline: the latest samples of the tree's RSS. */
const SPARK_POINTS = 48;
const PROCESSES_SHOWN = 5;

/** A terminal: a few lines redrawn in place at each sample. */
export class LiveView implements WatchView {
  private drawn: string[] = [];
  private readonly recent: number[] = [];

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly title: string,
  ) {}

  update(state: WatchState): void {
    const s = state.sample;
    this.recent.push(s.rss);
    if (this.recent.length > SPARK_POINTS) this.recent.shift();
    const count = `${state.samples} sample${state.samples === 1 ? '' : 's'}`;
    const lines = [`leakhound watch — ${formatSeconds(state.seconds)}, ${count} (Ctrl-C to stop)`, `  ${this.title}`];
    lines.push(`  rss ${formatBytes(s.rss).padStart(10)}  ${sparkline(this.recent)}`);
    if (s.pss !== undefined) lines.push(`  pss ${formatBytes(s.pss).padStart(10)}  swap ${formatBytes(s.swap ?? 0)}`);
    lines.push(`  ${growthText(state.total)}`);
    if (s.processes.length > 1) {
      const top = [...s.processes].sort((a, b) => b.rss - a.rss).slice(0, PROCESSES_SHOWN);
      lines.push(`  ${s.processes.length} processes, largest:`);
      for (const p of top)
        lines.push(`    ${String(p.pid).padStart(7)}  ${formatBytes(p.rss).padStart(10)}  ${p.command}`);
    }
    this.redraw(lines);
  }

  finish(summary: WatchSummary): void {
    this.out.write(`${terminalText(summaryText(summary))}\n`);
  }

  interject(write: () => void): void {
    const lines = this.drawn;
    this.redraw([]);
    write();
    this.redraw(lines);
  }

  private redraw(lines: string[]): void {
    if (this.drawn.length > 0) {
      readline.moveCursor(this.out, 0, -this.drawn.length);
      readline.cursorTo(this.out, 0);
      readline.clearScreenDown(this.out);
    }
    const width = this.out.columns || 100;
    // commands are the watched programs' own: no escape sequence of theirs reaches the terminal
    const safe = lines.map((l) => terminalText(l));
    if (safe.length > 0)
      this.out.write(`${safe.map((l) => (l.length > width ? l.slice(0, width - 1) : l)).join('\n')}\n`);
    this.drawn = lines;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
