/**
 * File ids → dense indexes, numbered in the order of definition. FORMAT.md lets a writer
 * pick any ids (sparse, from 1, up to 2^64); the profile's tables are arrays, so the loader
 * renumbers: an id of 4,000,000,000 costs one entry, not a 4-billion-slot array. Writers
 * that number 0, 1, 2 … in order (all of leakhound's) keep their ids, through an array;
 * other ids go to a Map.
 */
export class IdTable {
  private readonly inOrder: number[] = [];
  private readonly others = new Map<number, number>();
  /** Definitions so far: the next index. */
  size = 0;

  /** Defines `id` (again, if it was: the newer definition wins) and returns its index. */
  define(id: number): number {
    const index = this.size++;
    if (id === this.inOrder.length) this.inOrder.push(index);
    else if (id < this.inOrder.length) this.inOrder[id] = index;
    else this.others.set(id, index);
    return index;
  }

  /** The index of `id`, or -1 when it was never defined. */
  indexOf(id: number): number {
    if (id < this.inOrder.length) return this.inOrder[id];
    return this.others.get(id) ?? -1;
  }
}
