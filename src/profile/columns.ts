/**
 * Per-allocation columns: 38 bytes an allocation (46 with sampled weights).
 * Times are nanoseconds since the profile's start; `freeTime` is Infinity for
 * memory never freed.
 */
export interface AllocationColumns {
  count: number;
  size: Float64Array;
  /** Bytes each allocation stands for, when sampled; null when every weight equals its size. */
  weight: Float64Array | null;
  stack: Uint32Array;
  /** Index into Profile.threads. */
  thread: Uint16Array;
  allocTime: Float64Array;
  freeTime: Float64Array;
  /** The allocation this one was realloc'ed from, or -1. */
  reallocPrev: Int32Array;
  /** The allocation this one was realloc'ed into, or -1. */
  reallocNext: Int32Array;
}

/** Builds AllocationColumns by appending, growing the arrays by half each time. */
export class ColumnBuilder {
  private cols: AllocationColumns;
  private capacity: number;
  private sampled = false;

  constructor(initialCapacity: number) {
    this.capacity = Math.max(1024, Math.floor(initialCapacity));
    this.cols = allocateColumns(this.capacity, 0);
  }

  get columns(): AllocationColumns {
    return this.cols;
  }

  push(size: number, weight: number, stack: number, thread: number, time: number): number {
    const c = this.cols;
    const i = c.count;
    if (i === this.capacity) this.grow();
    const d = this.cols;
    d.size[i] = size;
    if (this.sampled) d.weight![i] = weight;
    else if (weight !== size) this.setWeight(i, weight);
    d.stack[i] = stack;
    d.thread[i] = thread;
    d.allocTime[i] = time;
    d.freeTime[i] = Infinity;
    d.reallocPrev[i] = -1;
    d.reallocNext[i] = -1;
    d.count = i + 1;
    return i;
  }

  private setWeight(i: number, weight: number): void {
    if (!this.sampled) {
      this.sampled = true;
      const w = new Float64Array(this.capacity);
      w.set(this.cols.size.subarray(0, i));
      this.cols.weight = w;
    }
    this.cols.weight![i] = weight;
  }

  private grow(): void {
    this.capacity = Math.ceil(this.capacity * 1.5);
    this.cols = copyColumns(this.cols, this.capacity);
  }

  /**
   * The columns cut to their length. The views keep the unused capacity allocated,
   * but pages never written are never resident, so this costs address space only.
   */
  finish(): AllocationColumns {
    const c = this.cols;
    const n = c.count;
    return {
      count: n,
      size: c.size.subarray(0, n),
      weight: c.weight ? c.weight.subarray(0, n) : null,
      stack: c.stack.subarray(0, n),
      thread: c.thread.subarray(0, n),
      allocTime: c.allocTime.subarray(0, n),
      freeTime: c.freeTime.subarray(0, n),
      reallocPrev: c.reallocPrev.subarray(0, n),
      reallocNext: c.reallocNext.subarray(0, n),
    };
  }
}

function allocateColumns(capacity: number, count: number): AllocationColumns {
  return {
    count,
    size: new Float64Array(capacity),
    weight: null,
    stack: new Uint32Array(capacity),
    thread: new Uint16Array(capacity),
    allocTime: new Float64Array(capacity),
    freeTime: new Float64Array(capacity),
    reallocPrev: new Int32Array(capacity),
    reallocNext: new Int32Array(capacity),
  };
}

function copyColumns(c: AllocationColumns, capacity: number): AllocationColumns {
  const n = Math.min(c.count, capacity);
  const next = allocateColumns(capacity, c.count);
  next.size.set(c.size.subarray(0, n));
  if (c.weight) {
    next.weight = new Float64Array(capacity);
    next.weight.set(c.weight.subarray(0, n));
  }
  next.stack.set(c.stack.subarray(0, n));
  next.thread.set(c.thread.subarray(0, n));
  next.allocTime.set(c.allocTime.subarray(0, n));
  next.freeTime.set(c.freeTime.subarray(0, n));
  next.reallocPrev.set(c.reallocPrev.subarray(0, n));
  next.reallocNext.set(c.reallocNext.subarray(0, n));
  return next;
}
