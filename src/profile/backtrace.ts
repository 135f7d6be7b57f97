import { Frame, formatFrame, isAllocatorFrame, isRuntimeFrame } from './frames';

/** An allocation's call stack, innermost frame first. Immutable. */
export class Backtrace {
  constructor(readonly frames: readonly Frame[]) {}

  /**
   * The program's own frames: allocator and recorder frames removed from the inner
   * end, process/thread start-up frames from the outer end, and Node's and V8's own
   * frames from both. Empty when the program has no frame of its own in it.
   */
  strip(): Backtrace {
    const { from, to } = programRange(this.frames);
    return new Backtrace(this.frames.slice(from, to));
  }

  /** One frame a line, outermost first (main at the top), as debuggers print them. */
  toString(): string {
    const outermostFirst = [...this.frames].reverse();
    return outermostFirst.map((f, i) => `#${String(i).padStart(2, '0')} ${formatFrame(f)}`).join('\n');
  }
}

/**
 * Where `strip()` cuts a stack (innermost first): frames [from, to) are the
 * program's own; allocator and recorder frames are before `from`, start-up frames
 * from `to` on. `from === to` when the program has no frame of its own in it.
 */
export function programRange(frames: readonly Frame[]): { from: number; to: number } {
  let from = 0;
  let to = frames.length;
  while (from < to && isAllocatorFrame(frames[from])) from++;
  while (to > from && isRuntimeFrame(frames[to - 1])) to--;
  return { from, to };
}

/**
 * The frames a flame graph shows for a stack, innermost first: the stripped
 * backtrace, or the whole one when stripping leaves nothing (as the report's flame
 * graph does), or the whole one always when `strip` is false.
 */
export function shownFrames(backtrace: Backtrace, strip = true): readonly Frame[] {
  if (!strip) return backtrace.frames;
  const { from, to } = programRange(backtrace.frames);
  return from < to ? backtrace.frames.slice(from, to) : backtrace.frames;
}
