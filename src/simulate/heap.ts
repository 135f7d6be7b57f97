/**
 * A toy allocator for the simulation: addresses come from a bump pointer and are
 * reused LIFO per 16-byte size class, as real allocators reuse freed chunks.
 */
export class SimulatedHeap {
  private top = 0x55550000_0000;
  private readonly freeLists = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();

  malloc(size: number): number {
    const cls = sizeClass(size);
    const address = this.freeLists.get(cls)?.pop() ?? this.bump(cls);
    this.sizes.set(address, cls);
    return address;
  }

  free(address: number): void {
    const cls = this.sizes.get(address);
    if (cls === undefined) throw new Error(`simulated double free of 0x${address.toString(16)}`);
    this.sizes.delete(address);
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(address);
  }

  private bump(cls: number): number {
    const address = this.top;
    this.top += cls + 16;
    return address;
  }
}

function sizeClass(size: number): number {
  return Math.max(16, Math.ceil(size / 16) * 16);
}
