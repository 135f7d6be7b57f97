import { V8_BUILTIN_MODULE } from '../format/constants';

/** The interned frames of a profile, one entry per frame id. */
export interface Frame {
  function: string;
  file: string;
  /** 0 when unknown. */
  line: number;
  module: string;
  address: number;
  /**
   * A native frame without a symbol: its address less the start of its module in
   * memory, so it reads `libfoo.so+0x1234` the same in every run (set at load).
   */
  offset?: number;
}

/**
 * Frames that belong to the allocator, to the recorder itself, or to the usual thin
 * wrappers around malloc (xmalloc, g_malloc, and those of language VMs: Perl,
 * CPython, Ruby, MoarVM): not the code that decided to allocate. They are stripped
 * from the inner end of a backtrace, with Node's and V8's own frames (below). Also as
 * heaptrack names them: demangled with their parameters (`operator new(unsigned long)`),
 * and glibc's internal aliases (`__GI___strdup`).
 */
const ALLOCATOR_FRAME =
  /^(?:__GI_)?_{0,2}(malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|strdup|strndup|__libc_\w+|_int_\w+|x(?:malloc|calloc|realloc|strdup)|g_(?:malloc|malloc0|realloc|try_malloc)\w*|operator new(\[\])?|operator delete(\[\])?|_Zn[wa]\w*|_Zd[la]\w*|leakhound_\w+|lh_\w+|alloc::alloc::\w+|__rust_\w+|__rdl_\w+|Perl_safesys(?:malloc|calloc|realloc)|_?Py(?:Mem|Object)_(?:Raw)?(?:Malloc|Calloc|Realloc)|_PyObject_(?:Malloc|Calloc|Realloc)|_PyMem_Raw\w+|ruby_x(?:malloc|calloc|realloc)2?|rb_x(?:malloc|calloc|realloc)\w*|MVM_(?:malloc|calloc|realloc)|MVM_fixed_size_alloc\w*)(?:\(.*\))?$/;
const RECORDER_MODULE = /libleakhound[^/]*\.so/;

/** Process and thread start-up frames, stripped from the outer end of a backtrace. */
const RUNTIME_FRAME =
  /^(_start|__libc_start_main\w*|__libc_start_call_main|start_thread|clone3?|__clone\w*|_dl_start\w*)$/;

/**
 * V8's pseudo frames, named in parentheses with no script: `(root)`, `(program)`, and
 * the VM state the sampling heap profiler reports when no JS is on the stack
 * (`(V8 API)`, `(GC)`, `(COMPILER)`…). `(anonymous)` is a real, unnamed JS function.
 */
const V8_PSEUDO_FUNCTION = /^\((?!anonymous\)).*\)$/;

/**
 * Node.js's own JavaScript (`node:internal/timers`, `node:events`, `node:buffer`), V8's
 * builtins and its pseudo frames: noise at both ends of a JS backtrace. Inside, they
 * are what the program called (a Buffer, a Timeout, `Array.prototype.push`); outside,
 * the module loader and the event loop that called the program.
 */
function isJsRuntimeFrame(frame: Frame): boolean {
  return frame.file.startsWith('node:') || frame.module === V8_BUILTIN_MODULE || isV8PseudoFrame(frame);
}

/** `(root)`, `(V8 API)`, `(GC)`…: a V8 pseudo frame. */
export function isV8PseudoFrame(frame: Frame): boolean {
  return frame.file === '' && V8_PSEUDO_FUNCTION.test(frame.function);
}

export function isAllocatorFrame(frame: Frame): boolean {
  return ALLOCATOR_FRAME.test(frame.function) || RECORDER_MODULE.test(frame.module) || isJsRuntimeFrame(frame);
}

export function isRuntimeFrame(frame: Frame): boolean {
  return RUNTIME_FRAME.test(frame.function) || isJsRuntimeFrame(frame);
}

/**
 * A frame's function; without a symbol, its module and offset (`libfoo.so+0x1234`), or
 * its address in hex when no module holds it (`??` when nothing is known).
 */
export function frameName(frame: Frame): string {
  if (frame.function) return frame.function;
  if (frame.offset !== undefined && frame.module) return `${baseName(frame.module)}+0x${frame.offset.toString(16)}`;
  return frame.address ? `0x${frame.address.toString(16)}` : '??';
}

/** A path's last part: `/usr/lib/libc.so.6` → `libc.so.6`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `function (file:line)`, or what is known of it. */
export function formatFrame(frame: Frame): string {
  const where = frame.file ? ` (${frame.file}${frame.line ? `:${frame.line}` : ''})` : '';
  const name = frameName(frame);
  const module = !frame.file && frame.module ? ` [${frame.module}]` : '';
  return `${name}${where}${module}`;
}
