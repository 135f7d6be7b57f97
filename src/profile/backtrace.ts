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
    let from = 0;
    let to = this.frames.length;
    while (from < to && isAllocatorFrame(this.frames[from])) from++;
    while (to > from && isRuntimeFrame(this.frames[to - 1])) to--;
    return new Backtrace(this.frames.slice(from, to));
  }

  /** One frame a line, outermost first (main at the top), as debuggers print them. */
  toString(): string {
    const outermostFirst = [...this.frames].reverse();
    return outermostFirst.map((f, i) => `#${String(i).padStart(2, '0')} ${formatFrame(f)}`).join('\n');
  }
}
