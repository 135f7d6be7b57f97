/**
 * `watch` on issue 15's Buffer sawtooth beside a CPU hog on every core, 5 runs of each
 * scenario of test/helpers/watch-plateau.ts, all 5 at once: the plateau is never `growing`
 * (`--fail-on-leak` exits 0), at 8 s or at 60 s; the leak under it is `growing` (exit 3).
 * Prints the counts. Run by `npm run test:stress`; test/e2e/watch-plateau.test.ts runs the
 * 8 s scenarios once in `npm test`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  countsLine,
  expectedExit,
  LEAK_60S,
  LEAK_8S,
  PLATEAU_60S,
  PLATEAU_8S,
  watchRepeatedly,
} from '../helpers/watch-plateau';
import { CpuHog, startCpuHog } from './cpu-hog';

const LINUX_ONLY = process.platform !== 'linux' && 'watch samples /proc: Linux only';
const RUNS = 5;

describe('watch: the node Buffer sawtooth beside a CPU hog on every core', { skip: LINUX_ONLY }, () => {
  let hog: CpuHog;
  before(() => {
    hog = startCpuHog();
    console.log(`CPU hog: ${hog.cores} × yes`);
  });
  after(() => hog.stop());

  for (const s of [PLATEAU_8S, LEAK_8S, PLATEAU_60S, LEAK_60S]) {
    it(`${s.name}: ${s.expected.join(' or ')}, ${RUNS} of ${RUNS} times`, async () => {
      const outcomes = await watchRepeatedly(s, RUNS, RUNS);
      console.log(countsLine(s, outcomes));
      for (const o of outcomes) {
        assert.ok(s.expected.includes(o.verdict), `${o.verdict} (${o.confidence}): ${o.explanation}`);
        assert.equal(o.code, expectedExit(o.verdict), o.stderr);
      }
    });
  }
});
