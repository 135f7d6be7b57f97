/**
 * The native verdict fixtures (test/helpers/native-patterns.ts) under load: each recorded
 * RUNS times, one after another, with a CPU hog on every core. Every run must give
 * the fixture's verdict and culprit. Run by `npm run test:stress`.
 */
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { recordCommand, tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import { assertNativePattern, caseName, NATIVE_PATTERNS } from '../helpers/native-patterns';
import { hogEveryCore } from './cpu-hog';
import { checkRun, repeatFixture, RUNS } from './repeat';

const dir = tmpDir('leakhound-stress-native-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

describe(`native verdicts, ${RUNS} runs each beside a CPU hog on every core`, { skip: LINUX_ONLY }, () => {
  hogEveryCore();

  for (const c of NATIVE_PATTERNS) {
    it(`${caseName(c)}: ${c.what}`, () => {
      const binary = buildFixture(c.fixture, c.build);
      repeatFixture(caseName(c), c, (run) => {
        const output = path.join(dir, `${caseName(c)}-${run}.lhp`);
        const recorded = recordCommand(output, [binary]);
        return checkRun(output, (seen) => assertNativePattern(c, recorded, output, seen));
      });
    });
  }
});
