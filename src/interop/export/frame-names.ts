import type { Backtrace } from '../../profile/backtrace';
import { Frame, isAllocatorFrame, isRuntimeFrame } from '../../profile/frames';

/** A frame's function, or its address in hex when it has no symbol (`??` when neither is known). */
export function frameName(frame: Frame): string {
  if (frame.function) return frame.function;
  return frame.address ? `0x${frame.address.toString(16)}` : '??';
}

/**
 * Where `Backtrace.strip()` cuts a stack (innermost first): frames [from, to) are
 * the program's own; allocator and recorder frames are before `from`, start-up
 * frames from `to` on. `from === to` when the program has no frame of its own in it.
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
export function shownFrames(backtrace: Backtrace, strip: boolean): readonly Frame[] {
  if (!strip) return backtrace.frames;
  const { from, to } = programRange(backtrace.frames);
  return from < to ? backtrace.frames.slice(from, to) : backtrace.frames;
}
