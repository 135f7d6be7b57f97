import { programRange } from './backtrace';
import { baseName, Frame, frameName, isV8PseudoFrame } from './frames';

/**
 * The name of a stack with no frame of the program's own (its stripped backtrace is
 * empty), saying why and where it allocated, innermost first:
 *
 *   (no stack captured)                                  the recorder or the imported file gave none
 *   (Node.js internals only: node:internal/timers)       Node's own JavaScript called the allocation
 *   (no JS on the stack: V8 API)                         V8 allocated with no JavaScript running
 *   (start-up code only: start_thread in libc.so.6)      a thread's or the process's start called the allocator
 *   (stack ends in the allocator: strdup in libc.so.6)   the unwinder got no further than the allocator
 *
 * The same name for the same reason: the allocation sites (sites.ts) of such stacks
 * are told apart by it.
 */
export function framelessName(frames: readonly Frame[]): string {
  if (frames.length === 0) return '(no stack captured)';
  const node = frames.find((f) => f.file.startsWith('node:'));
  if (node) return `(Node.js internals only: ${node.file})`;
  const pseudo = frames.filter(isV8PseudoFrame);
  const state = pseudo.find((f) => f.function !== '(root)') ?? pseudo[0];
  if (state) return `(no JS on the stack: ${state.function.slice(1, -1)})`;
  const { from } = programRange(frames);
  if (from < frames.length) return `(start-up code only: ${inModule(frames[from])})`;
  return `(stack ends in the allocator: ${inModule(frames[frames.length - 1])})`;
}

/** `strdup in libc.so.6`: a frame's name and module. */
function inModule(frame: Frame): string {
  const module = frame.module || frame.file;
  return module ? `${frameName(frame)} in ${baseName(module)}` : frameName(frame);
}
