import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnBuilder } from '../../../src/profile/columns';
import type { Profile } from '../../../src/profile/profile';
import { stackTotals, totalsAt, totalsOf } from '../../../src/profile/totals';

/*
 * Four allocations on three stacks, summed by hand below.
 *
 *  idx  size  stack  freed
 *   0    10     0    yes
 *   1    20     0    never (leaked)
 *   2    30     1    never (leaked)
 *   3    40     2    yes
 */
function tiny(weights?: number[]): Profile {
  const b = new ColumnBuilder(4);
  for (const [i, size] of [10, 20, 30, 40].entries()) b.push(size, weights?.[i] ?? size, [0, 0, 1, 2][i], 0, i + 1);
  const columns = b.finish();
  columns.freeTime[0] = 5;
  columns.freeTime[3] = 6;
  // stackTotals reads only the columns and the number of stacks
  return { columns, stacks: [new Uint32Array(0), new Uint32Array(0), new Uint32Array(0)] } as unknown as Profile;
}

const arrays = (t: Record<string, Float64Array>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Array.from(v)]));

test('stackTotals: counts and bytes per stack id, all and never freed', () => {
  assert.deepEqual(arrays({ ...stackTotals(tiny()) }), {
    allocatedCount: [2, 1, 1],
    allocatedBytes: [30, 30, 40],
    leakedCount: [1, 1, 0],
    leakedBytes: [20, 30, 0],
  });
});

test('stackTotals: by a key of each stack (stacks 0 and 1 as one site 0), over selected allocations', () => {
  assert.deepEqual(arrays({ ...stackTotals(tiny(), { keyOfStack: [0, 0, 2] }) }), {
    allocatedCount: [3, 0, 1],
    allocatedBytes: [60, 0, 40],
    leakedCount: [2, 0, 0],
    leakedBytes: [50, 0, 0],
  });
  assert.deepEqual(arrays({ ...stackTotals(tiny(), { only: [1, 3] }) }), {
    allocatedCount: [1, 0, 1],
    allocatedBytes: [20, 0, 40],
    leakedCount: [1, 0, 0],
    leakedBytes: [20, 0, 0],
  });
  assert.deepEqual(totalsAt(stackTotals(tiny()), 1), {
    allocatedCount: 1,
    allocatedBytes: 30,
    leakedCount: 1,
    leakedBytes: 30,
  });
});

test('totalsOf: one set of allocations, or all of them', () => {
  const { columns } = tiny();
  assert.deepEqual(totalsOf(columns), { allocatedCount: 4, allocatedBytes: 100, leakedCount: 2, leakedBytes: 50 });
  assert.deepEqual(totalsOf(columns, [0, 3]), {
    allocatedCount: 2,
    allocatedBytes: 50,
    leakedCount: 0,
    leakedBytes: 0,
  });
  assert.deepEqual(totalsOf(columns, []), { allocatedCount: 0, allocatedBytes: 0, leakedCount: 0, leakedBytes: 0 });
});

test('bytes are weights in a sampled recording', () => {
  const { columns } = tiny([10, 200, 30, 40]);
  assert.deepEqual(totalsOf(columns), { allocatedCount: 4, allocatedBytes: 280, leakedCount: 2, leakedBytes: 230 });
});
