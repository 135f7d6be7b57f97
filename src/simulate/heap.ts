/** Where simulated addresses start: a typical x86-64 heap address. */
const BASE = 0x5555_0000_0000;

/**
 * A toy allocator for the simulation: addresses come from a bump pointer and are
 * reused LIFO per 16-byte size class, as real allocators reuse freed chunks.
 * The size of each live chunk sits in a typed array indexed by offset / 16 (a Map
 * with millions of sets and deletes slowed simulate down quadratically).
 */
export class SimulatedHeap {
  private top = 0;
  private readonly freeLists = new Map<number, number[]>();
  /** Requested size by offset / 16; 0 = not live. */
  private sizes = new Float64Array(1 << 16);

  malloc(size: number): number {
    const cls = sizeClass(size);
    const offset = this.freeLists.get(cls)?.pop() ?? this.bump(cls);
    this.sizes[offset / 16] = Math.max(size, 1);
    return BASE + offset;
  }

  /** Frees a chunk; returns its size. */
  free(address: number): number {
    const offset = address - BASE;
    const size = this.sizes[offset / 16];
    if (!size) throw new Error(`simulated double free of 0x${address.toString(16)}`);
    this.sizes[offset / 16] = 0;
    const cls = sizeClass(size);
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(offset);
    return size;
  }

  private bump(cls: number): number {
    const offset = this.top;
    this.top += cls + 16;
    if (this.top / 16 >= this.sizes.length) {
      const grown = new Float64Array(this.sizes.length * 2);
      grown.set(this.sizes);
      this.sizes = grown;
    }
    return offset;
  }
}

function sizeClass(size: number): number {
  return Math.max(16, Math.ceil(size / 16) * 16);
}
