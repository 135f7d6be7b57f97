/**
 * The native verdict fixtures (test/helpers/native-patterns.ts) under load: each recorded
 * RUNS times, one after another, with a CPU hog on every core, in full and then sampled
 * (`--sample 64k` at its work scale). Every run must give the fixture's verdict and
 * culprit (sampled, as record-native-sampled.test.ts asks). Run by `npm run test:stress`.
 */
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { tmpDir } from '../helpers/helpers';
import { buildFixture } from '../helpers/native-fixtures';
import {
  assertNativePattern,
  caseName,
  NATIVE_PATTERNS,
  recordPattern,
  SAMPLE,
  sampledScaleOf,
} from '../helpers/native-patterns';
import { hogEveryCore } from './cpu-hog';
import { checkRun, repeatFixture, RUNS } from './repeat';

const dir = tmpDir('leakhound-stress-native-');
const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

describe(`native verdicts, ${RUNS} runs each beside a CPU hog on every core`, { skip: LINUX_ONLY }, () => {
  hogEveryCore();

  for (const mode of ['full', 'sampled'] as const) {
    for (const c of NATIVE_PATTERNS) {
      const name = mode === 'full' ? caseName(c) : `${caseName(c)} --sample ${SAMPLE} ×${sampledScaleOf(c)}`;
      it(`${name}: ${c.what}`, () => {
        const binary = buildFixture(c.fixture, c.build);
        repeatFixture(name, c, (run) => {
          const output = path.join(dir, `${caseName(c)}-${mode}-${run}.lhp`);
          const recorded = recordPattern(c, binary, output, mode);
          return checkRun(output, (seen) => assertNativePattern(c, recorded, output, seen, mode));
        });
      });
    }
  }
});
