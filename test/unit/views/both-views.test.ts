/** A node process's JS and native views on one timeline: the JS view moved onto the native clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadSync } from '../../../src/api/load';
import { diagnose } from '../../../src/diagnose/diagnose';
import { LhpWriter } from '../../../src/format/writer';
import { bothViewsTimeline } from '../../../src/views/both-views';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const START = 1_000_000_000_000n;
const MB = 1024 * 1024;

/** A profile that began at `startNs` and made one 1 MiB allocation of `fn` at `allocNs` of its own clock, kept for good. */
function view(name: string, recorder: string, startNs: bigint, fn: string, allocNs: number, runNs: number) {
  const file = path.join(dir, `${name}.lhp`);
  const w = LhpWriter.create(file, { recorder, pid: 7, startNs: startNs.toString() });
  const stack = w.stack([w.frame({ function: fn, file: `${fn}.c`, line: 1 })]);
  w.alloc(allocNs, 1, MB, stack, 1);
  w.finish(runNs);
  w.close();
  const profile = loadSync(file);
  return { profile, diagnosis: diagnose(profile) };
}

test('the JS view is read on the native clock: its site appears as late as its profile began', () => {
  const native = view('native', 'native', START, 'addon_keep', 2e9, 10e9);
  // the agent started 3 s after the process: its 1 s is the native profile's 4 s
  const js = view('js', 'node', START + 3_000_000_000n, 'rememberRequest', 1e9, 7e9);
  const chart = bothViewsTimeline(js, native);
  assert.deepEqual(
    chart.areas.map((a) => a.label),
    ['JS: rememberRequest (rememberRequest.c:1)', 'native: addon_keep (addon_keep.c:1)'],
  );
  const at = (label: string, seconds: number): number => {
    const k = Array.from(chart.time).findIndex((t) => t >= seconds);
    return chart.areas.find((a) => a.label === label)!.values[k];
  };
  assert.equal(chart.time[chart.time.length - 1], 10, "the native profile's span");
  assert.equal(at('native: addon_keep (addon_keep.c:1)', 1.9), 0);
  assert.equal(at('native: addon_keep (addon_keep.c:1)', 2.1), MB);
  assert.equal(at('JS: rememberRequest (rememberRequest.c:1)', 3.9), 0, 'not at its own 1 s');
  assert.equal(at('JS: rememberRequest (rememberRequest.c:1)', 4.1), MB, 'at the native 4 s');
});
