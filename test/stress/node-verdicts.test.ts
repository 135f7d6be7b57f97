/**
 * The Node.js verdict fixtures (test/helpers/node-patterns.ts) at default settings, under
 * load: each recorded RUNS times, one after another, with a CPU hog on every core.
 * Every run must give the fixture's verdict and culprit. Run by `npm run test:stress`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { recordCommand, tmpDir } from '../helpers/helpers';
import { assertPattern, NODE_FIXTURES, NODE_PATTERNS } from '../helpers/node-patterns';
import { hogEveryCore } from './cpu-hog';
import { checkRun, repeatFixture, RUNS } from './repeat';

const dir = tmpDir('leakhound-stress-node-');

describe(`Node.js verdicts at default settings, ${RUNS} runs each beside a CPU hog on every core`, () => {
  hogEveryCore();

  for (const c of NODE_PATTERNS) {
    it(`${c.fixture}: ${c.what}`, () => {
      repeatFixture(c.fixture, c, (run) => {
        const output = path.join(dir, `${c.fixture.replace(/\W/g, '-')}-${run}.lhp`);
        const recorded = recordCommand(output, ['node', path.join(NODE_FIXTURES, c.fixture)]);
        return checkRun(output, (seen) => {
          assert.equal(recorded.code, 0, `record's exit code; stderr: ${recorded.stderr}`);
          assertPattern(c, output, seen);
        });
      });
    });
  }
});
