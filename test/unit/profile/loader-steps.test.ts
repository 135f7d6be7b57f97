/**
 * A profile loaded in steps while it grows (`ProfileLoader.readTo`, what `record
 * --report-every` reads with): each step holds exactly what a whole load of the
 * file's first bytes holds, however the steps cut records and zstd blocks, and the
 * last step is the whole load.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WHOLE_FILE } from '../../../src/format/read-limit';
import { ProfileLoader, readProfile } from '../../../src/profile/loader';
import type { ProfileParts } from '../../../src/profile/profile';
import { simulate } from '../../../src/simulate/simulate';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir('leakhound-loader-steps-');

/** What a report is made of: every allocation's columns, the series, the marks, the runtime. */
function contents(parts: ProfileParts): unknown {
  const c = parts.columns;
  return {
    count: c.count,
    size: Array.from(c.size),
    stack: Array.from(c.stack),
    allocTime: Array.from(c.allocTime),
    freeTime: Array.from(c.freeTime),
    reallocPrev: Array.from(c.reallocPrev),
    stacks: parts.stacks.map((s) => Array.from(s)),
    frames: parts.frames.map((f) => f.function),
    series: [...parts.series].map(([name, s]) => [name, Array.from(s.time), Array.from(s.value)]),
    marks: parts.marks,
    runtimeNs: parts.runtimeNs,
  };
}

/** A whole load of the first `bytes` of `file`, as a file cut there. */
function wholeLoadOfPrefix(file: string, bytes: number): ProfileParts {
  const cut = path.join(dir, `${path.basename(file)}.${bytes}.cut`);
  fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, bytes));
  return readProfile(cut, { progress: false });
}

/**
 * Loads `file` in steps to each of `limits`, then to its end; `before(limit)` runs
 * before each step (the recorder appending). Each step must hold what a whole load of
 * the file cut there holds, and the last what a whole load holds.
 */
function assertSteps(loaded: string, whole: string, limits: number[], before: (limit: number) => void): void {
  const loader = new ProfileLoader(loaded);
  try {
    let count = -1;
    for (const bytes of limits) {
      before(bytes);
      const step = loader.readTo({ bytes, final: false });
      assert.deepEqual(contents(step), contents(wholeLoadOfPrefix(whole, bytes)), `the first ${bytes} bytes`);
      // two steps inside one zstd block read the same
      assert.ok(step.columns.count >= count, `no fewer allocations at ${bytes} bytes`);
      assert.ok(step.columns.count > 0, `allocations at ${bytes} bytes`);
      assert.equal(step.info.truncated, false, 'a record cut by a step is one still being written');
      assert.equal(step.info.clean, false);
      count = step.columns.count;
    }
    before(Infinity);
    const last = loader.readTo(WHOLE_FILE);
    assert.deepEqual(contents(last), contents(readProfile(whole, { progress: false })), 'the last step: all of it');
    assert.ok(last.columns.count > count);
    assert.equal(last.info.clean, true);
    assert.deepEqual(last.info.warnings, []);
  } finally {
    loader.close();
  }
}

for (const compress of [false, true]) {
  describe(`a ${compress ? 'zstd-compressed' : 'plain'} profile loaded in steps`, () => {
    const kind = compress ? 'zstd' : 'plain';
    const file = path.join(dir, `demo-${kind}.lhp`);
    simulate({ output: file, allocations: 100_000, seed: 7, compress });
    const bytes = fs.readFileSync(file);
    // steps of uneven lengths, which cut records and zstd blocks anywhere (the zstd
    // command's blocks hold 128 KiB of the stream: the first step is past the first)
    const limits = [0.13, 0.3, 0.31, 0.55, 0.8, 0.97].map((f) => Math.floor(bytes.length * f));

    it('each step holds what a whole load of the file cut there holds, and nothing after', () => {
      assertSteps(file, file, limits, () => {});
    });

    it('a file that grows between the steps, as a recorder appends: each reads on where the last stopped', () => {
      const growing = path.join(dir, `growing-${kind}.lhp`);
      fs.writeFileSync(growing, bytes.subarray(0, limits[0]));
      let written = limits[0];
      assertSteps(growing, file, limits, (limit) => {
        const upTo = Math.min(limit, bytes.length);
        fs.appendFileSync(growing, bytes.subarray(written, upTo));
        written = upTo;
      });
    });
  });
}
