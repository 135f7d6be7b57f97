import { prng } from '../../src/simulate/prng';

/** The fuzzer's seeded choices: input `index` of run `seed` is the same bytes on every machine. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number, index: number) {
    // mix the two so neighbouring indexes do not start from neighbouring states
    this.next = prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/**
 * Values a length, count, id or time field can take that a reader must survive: type
 * boundaries, the format's own limits (2^26 bytes of payload, 2^53 for doubles, 10-byte
 * varints) and beyond them.
 */
export const INTERESTING_VALUES: readonly bigint[] = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0xffn,
  0xffffn,
  0x10000n,
  1n << 24n,
  (1n << 26n) - 1n,
  (1n << 26n) + 1n,
  (1n << 31n) - 1n,
  1n << 31n,
  (1n << 32n) - 2n,
  (1n << 32n) - 1n,
  1n << 32n,
  4_000_000_000n,
  1n << 40n,
  (1n << 53n) - 1n,
  1n << 53n,
  (1n << 63n) - 1n,
  (1n << 64n) - 1n,
];
