/**
 * A real server under the native recorder: Debian's redis-server (linked with jemalloc,
 * which it calls through malloc/calloc/realloc/free) recorded by `leakhound record` while
 * redis-benchmark sends it fixed work over a fixed keyspace, then shut down without
 * saving. Its memory levels off, so the verdict is `no-leak`, in full mode (the default)
 * and in sampled mode. npm test installs redis-server (scripts/check-test-deps.js).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { assertNoLeakGroup, summary } from '../helpers/assert-culprit';
import { type AnalysisJson, type GroupJson, runCli, tmpDir } from '../helpers/helpers';
import { startRecord } from '../helpers/running-record';
import { freePort, redisBenchmark, redisServerCommand, shutdownRedis, waitForPort } from '../helpers/servers';

const dir = tmpDir('leakhound-redis-test-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

/** 4 × 50,000 requests from 50 clients (a few seconds recorded); SET's keys drawn from 10,000. */
const KEYSPACE = 10_000;
const WORK = { requests: 50_000, keyspace: KEYSPACE, tests: ['set', 'get', 'lpush', 'lpop'] };
const REQUESTS = WORK.requests * WORK.tests.length;

interface Group extends GroupJson {
  retainedCount: number;
  totalCount: number;
}
interface Analysis extends AnalysisJson {
  groups: Group[];
  allocations: number;
}

/** Records redis-server under redis-benchmark with `flags`; the analysis of every site. */
async function recordRedis(name: string, flags: string[]): Promise<Analysis> {
  const output = path.join(dir, `${name}.lhp`);
  const port = await freePort();
  const record = startRecord(output, redisServerCommand(port), flags);
  try {
    await waitForPort(port, record.hasExited, 'redis-server under leakhound record');
    const run = await redisBenchmark(port, WORK);
    assert.deepEqual([...run.perTest.keys()], ['SET', 'GET', 'LPUSH', 'LPOP'], 'redis-benchmark ran every test');
    await shutdownRedis(port);
    assert.equal(await record.exited, 0, `redis-server exited 0 after shutdown: ${record.stderr()}`);
  } finally {
    // a failed run leaves no server behind
    if (!record.hasExited()) await shutdownRedis(port);
    if (!record.hasExited()) record.child.kill('SIGKILL');
  }
  // every site, not the 100 first: the assertions below are about all of them
  const r = runCli(['analyze', output, '--json', '--top', '1000000']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Analysis;
}

/** The analysis's first sites, for failure messages (a full one has thousands). */
const brief = (a: Analysis): string => summary({ ...a, groups: a.groups.slice(0, 20) });

/** SET's new keys: each allocates its dict entry and its name (below redis's zmalloc wrappers). */
const KEY_SITES = ['dictAddRaw < dbAdd < setKey', '_sdsnewlen < dbAdd < setKey'];

/** The groups of the key sites, one for each of KEY_SITES, in that order; fails when one is missing. */
function keySites(a: Analysis): Group[] {
  return KEY_SITES.map((site) => {
    const group = a.groups.find(
      (g) =>
        g.frames
          .slice(1, 4)
          .map((f) => f.function)
          .join(' < ') === site,
    );
    assert.ok(group, `no site ${site}; ${brief(a)}`);
    return group;
  });
}

/** Both modes: no-leak, and no site at all called a leak. */
function assertNoLeak(a: Analysis): void {
  assert.equal(a.verdict, 'no-leak', brief(a));
  // given the leak groups only, its failure message lists them and not thousands of others
  assertNoLeakGroup({ ...a, groups: a.groups.filter((g) => g.verdict.startsWith('leak')) });
}

describe('leakhound record: redis-server under redis-benchmark', { skip: LINUX_ONLY }, () => {
  it('full mode (default settings): every malloc and free seen → no-leak, the keyspace bounded', async () => {
    const a = await recordRedis('full', []);
    assertNoLeak(a);
    // each request allocates (its arguments' objects at least), and far from a hundred times
    assert.ok(a.allocations >= REQUESTS && a.allocations < 100 * REQUESTS, `${a.allocations} allocations`);
    // frees are seen: what is still live at exit is the keyspace and start-up state, a few % of it all
    const live = a.groups.reduce((sum, g) => sum + g.retainedCount, 0);
    assert.ok(live < a.allocations / 10, `${live} of ${a.allocations} allocations live at exit`);
    for (const g of keySites(a)) {
      assert.equal(g.verdict, 'bounded', `the keys' memory levels off; ${brief(a)}`);
      // 50,000 SETs over 10,000 keys add nearly all of them (1 - e^-5 on average), each once
      assert.ok(g.retainedCount > KEYSPACE / 2 && g.retainedCount <= KEYSPACE, `${g.retainedCount} keys live`);
    }
  });

  it('sampled mode (--sample 64k): no-leak, one allocation kept per 64 KiB allocated', async () => {
    const a = await recordRedis('sampled', ['--sample', '64k']);
    assertNoLeak(a);
    assert.equal(a.sampling?.intervalBytes, 64 * 1024, 'analyze says the profile is sampled, and at what rate');
    // the work allocates some 230 MB (about 3,500 samples); a full recording holds over 200,000 allocations
    assert.ok(a.allocations > 500 && a.allocations < 20_000, `${a.allocations} sampled allocations`);
  });
});
