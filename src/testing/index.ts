/**
 * `leakhound/testing`: deterministic leak tests. Counts of live objects after a
 * full, forced garbage collection — exact, in-process, no flag — and a check that a
 * function leaves nothing behind that grows with the number of times it runs.
 *
 * ```ts
 * import { expectNoLeak, countLive } from 'leakhound/testing';
 * await expectNoLeak(async () => { await client.request('/'); });
 * assert.equal(countLive(Connection), 0);
 * ```
 *
 * Works in node:test, Jest, Vitest and Mocha; see docs/TESTING.md.
 */
export { countLive, Constructor, LivePredicate, CountTarget } from './count-live';
export { expectNoLeak, ExpectNoLeakOptions, DEFAULT_OPTIONS } from './expect-no-leak';
export { LeakError, LeakGrowth, LeakReport } from './leak-error';
