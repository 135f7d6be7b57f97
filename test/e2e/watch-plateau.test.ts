/**
 * `watch` on issue 15's Buffer sawtooth, for 8 s as the issue watched it: the plateau
 * is not `growing` (`--fail-on-leak` exits 0), the same sawtooth over a leak is (exit
 * 3). The two watches run side by side. The 60 s scenarios, and these beside a CPU
 * hog, are in test/stress/watch-plateau.test.ts (`npm run test:stress`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectedExit, LEAK_8S, PLATEAU_8S, watchScenario } from '../helpers/watch-plateau';

const MiB = 1 << 20;
const LINUX_ONLY = process.platform !== 'linux' && 'watch samples /proc: Linux only';

describe('watch: the node Buffer sawtooth, 8 s', { skip: LINUX_ONLY, concurrency: 2 }, () => {
  test(`${PLATEAU_8S.name}: never growing (${PLATEAU_8S.expected.join(', ')}); --fail-on-leak exits 0`, async () => {
    const w = await watchScenario(PLATEAU_8S);
    assert.ok(w.largestDrop > 5 * MiB, `the sawtooth showed: RSS fell by ${w.largestDrop} bytes at most`);
    assert.ok(PLATEAU_8S.expected.includes(w.verdict), `${w.verdict} (${w.confidence}): ${w.explanation}`);
    assert.equal(w.code, 0, w.stderr);
    if (w.verdict === 'unclear') assert.match(w.explanation, /watch longer$/);
  });

  test(`${LEAK_8S.name}: growing; --fail-on-leak exits 3`, async () => {
    const w = await watchScenario(LEAK_8S);
    assert.equal(w.verdict, 'growing', `${w.verdict} (${w.confidence}): ${w.explanation}`);
    assert.equal(w.code, expectedExit(w.verdict), w.stderr);
  });
});
