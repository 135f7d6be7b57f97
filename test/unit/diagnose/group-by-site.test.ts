import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { simulate } from '../../../src/simulate/simulate';
import { runCli, tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const s = 1e9;

/**
 * Three stacks, two sites: foo_alloc allocates directly (S0) and through xmalloc
 * (S1), which strip() takes off, so S0 and S1 are one site; bar_alloc is another.
 */
function twoSites(): string {
  const file = path.join(dir, 'two-sites.lhp');
  const w = LhpWriter.create(file, { recorder: 'test' });
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const fr = (fn: string, file?: string, line?: number, module = '/usr/bin/app') =>
    w.frame({ function: fn, file, line, module });
  const malloc = fr('malloc', undefined, undefined, libc);
  const xmalloc = fr('xmalloc', 'src/xmalloc.c', 14);
  const foo = fr('foo_alloc', 'src/foo.c', 10);
  const bar = fr('bar_alloc', 'src/bar.c', 20);
  const main = fr('main', 'src/main.c', 12);
  const S0 = w.stack([malloc, foo, main]);
  const S1 = w.stack([malloc, xmalloc, foo, main]);
  const S2 = w.stack([malloc, bar, main]);
  w.thread(100, 'main');
  w.alloc(1 * s, 0xa0, 100, S1, 100);
  w.alloc(2 * s, 0xb0, 200, S2, 100);
  w.alloc(3 * s, 0xc0, 300, S0, 100);
  w.free(4 * s, 0xa0);
  w.finish(10 * s);
  w.close();
  return file;
}

/** analyze --json's groups: stack id → allocations. */
function analyzeGroups(file: string): Map<number, number> {
  const r = runCli(['analyze', file, '--json', '--top', '1000000']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { groupCount: number; groups: { stackId: number; totalCount: number }[] };
  assert.equal(json.groups.length, json.groupCount);
  return new Map(json.groups.map((g) => [g.stackId, g.totalCount]));
}

test('groupBySite: one group per site, as analyze counts; groupByBacktrace splits a site by stack', () => {
  const file = twoSites();
  const all = loadSync(file).allocations();
  const sites = all.groupBySite();
  assert.deepEqual(
    sites.groups.map((g) => [g.stackId, g.len(), g.size(), [...g.stackIds()]]),
    [
      [0, 2, 400, [0, 1]], // S1 allocated first, but the site is named by its first stack id
      [2, 1, 200, [2]],
    ],
  );
  assert.equal(all.groupByBacktrace().len(), 3);
  assert.deepEqual(new Map(sites.groups.map((g) => [g.stackId, g.len()])), analyzeGroups(file));
  // everything of a site, from a site group of a narrower list
  const leakedFoo = all
    .onlyLeaked()
    .groupBySite()
    .groups.find((g) => g.stackId === 0)!;
  assert.equal(leakedFoo.len(), 1);
  assert.deepEqual(
    Array.from(all.onlyMatchingBacktraces(leakedFoo), (a) => a.index),
    [0, 2],
  );
});

test('groupBySite gives the groups analyze gives verdicts to, on the simulated demo server', () => {
  const file = path.join(dir, 'demo.lhp');
  simulate({ output: file, allocations: 20_000, seed: 3 });
  const bySite = loadSync(file).allocations().groupBySite();
  assert.deepEqual(new Map(bySite.groups.map((g) => [g.stackId, g.len()])), analyzeGroups(file));
});
