/**
 * Live address → allocation index, as an open-addressing hash table on typed arrays:
 * a JS Map costs ~3× the time and ~5× the memory for the tens of millions of
 * inserts and deletes a big profile needs. Address 0 marks an empty slot.
 */
export class AddressMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(16, capacity)));
    this.keys = new Float64Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private slot(address: number): number {
    // Addresses are aligned: fold in the high word and mix (murmur3 finalizer).
    let h = (address >>> 4) ^ Math.imul(Math.floor(address / 4294967296), 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Sets `address` → `index`; returns the index it replaced, or -1. */
  set(address: number, index: number): number {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let s = this.slot(address);
    while (keys[s] !== 0) {
      if (keys[s] === address) {
        const old = this.values[s];
        this.values[s] = index;
        return old;
      }
      s = (s + 1) & this.mask;
    }
    keys[s] = address;
    this.values[s] = index;
    this.size++;
    return -1;
  }

  /** Removes `address`; returns its index, or -1 when it was not live. */
  take(address: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let s = this.slot(address);
    while (keys[s] !== address) {
      if (keys[s] === 0) return -1;
      s = (s + 1) & mask;
    }
    const found = this.values[s];
    // Backward-shift deletion keeps probe chains intact without tombstones.
    let hole = s;
    let next = (s + 1) & mask;
    while (keys[next] !== 0) {
      const home = this.slot(keys[next]);
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        keys[hole] = keys[next];
        this.values[hole] = this.values[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    keys[hole] = 0;
    this.size--;
    return found;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.values = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i], oldValues[i]);
  }
}
