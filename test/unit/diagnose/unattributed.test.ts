/** Memory the heap sampler cannot attribute: verdicts on the `external` and `array-buffers` series. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { diagnose, Diagnosis } from '../../../src/diagnose/diagnose';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { diagnoseRecording } from '../../../src/diagnose/recording';
import { recordingParts } from '../../../src/api/recording';
import { diagnosisJson } from '../../../src/render/json';
import { diagnosisText } from '../../../src/render/text';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const MB = 1024 * 1024;
const RUN_NS = 40e9;
const SAMPLE_EVERY_NS = 100e6;

/**
 * A Node.js-like recording of 40 s: a JS heap of temporaries only (no allocation site
 * leaks), and the given series sampled every 100 ms (`bytes(seconds)`).
 */
function recording(fileName: string, series: Record<string, (seconds: number) => number>): Diagnosis {
  const file = path.join(dir, `${fileName}.lhp`);
  const w = LhpWriter.create(file, { recorder: 'node' });
  const stack = w.stack([
    w.frame({ function: 'parse', file: '/app/parse.js', line: 4 }),
    w.frame({ function: 'handle', file: '/app/server.js', line: 20 }),
  ]);
  for (let t = 0, id = 1; t < RUN_NS; t += SAMPLE_EVERY_NS, id++) {
    w.alloc(t, id, 128, stack, 1, 64 * 1024);
    w.free(t + SAMPLE_EVERY_NS / 2, id);
    for (const [name, bytes] of Object.entries(series)) w.sample(t, name, bytes(t / 1e9));
  }
  w.finish(RUN_NS);
  w.close();
  return diagnose(loadSync(file));
}

/** The recording `recording()` wrote, judged whole, as `analyze` judges it. */
const wholeRecording = (fileName: string) => diagnoseRecording(recordingParts(path.join(dir, `${fileName}.lhp`)));

/** A few hundred KiB of deterministic jitter, as GC and allocation make. */
const jitter = (seconds: number): number => 0.3 * MB * Math.sin(seconds * 7.3) * Math.cos(seconds * 2.1);

test('external memory growing linearly is a leak, and makes the verdict one', () => {
  const d = recording('linear', { external: (s) => 2 * MB + 1.2 * MB * s + jitter(s), 'heap.used': () => 8 * MB });
  assert.equal(d.verdict, 'leak');
  assert.ok(
    d.groups.every((g) => g.verdict === 'temporary'),
    'no allocation site leaks',
  );
  assert.equal(d.unattributed.length, 1);
  const [external] = d.unattributed;
  assert.equal(external.series, 'external');
  assert.equal(external.verdict, 'leak');
  assert.ok(Math.abs(external.growthBytesPerSecond - 1.2 * MB) / (1.2 * MB) < 0.05, `${external.growthBytesPerSecond}`);
  assert.ok(Math.abs(external.startBytes - 2 * MB) < 0.5 * MB, `${external.startBytes}`);
  assert.ok(external.endBytes > 45 * MB, `${external.endBytes}`);
  assert.match(external.explanation, /^external memory \(Buffers.*\) grew [\d.]+ MiB at 1\.2\d MiB\/s through the run/);
  assert.match(external.explanation, /heap snapshot/);

  const text = diagnosisText(d, 'linear.lhp', 10);
  assert.match(
    text,
    /^LEAK: memory outside the allocation sites grows \(external\); none of 1 allocation sites retains growing memory/,
  );
  assert.match(text.split('\n')[1], /^ {2}leak: external memory/);
  const json = JSON.parse(JSON.stringify(diagnosisJson(wholeRecording('linear'), 'linear.lhp', 100)));
  assert.equal(json.verdict, 'leak');
  assert.equal(json.unattributed[0].verdict, 'leak');
});

test('a series that rises, then levels off, is bounded: no leak', () => {
  const d = recording('plateau', {
    external: (s) => Math.min(30 * MB, 1 * MB + 2.5 * MB * s) + jitter(s),
    'array-buffers': (s) => Math.min(25 * MB, 2 * MB * s) + jitter(s) / 2 + 0.5 * MB,
  });
  assert.deepEqual(
    d.unattributed.map((u) => [u.series, u.verdict]),
    [
      ['external', 'bounded'],
      ['array-buffers', 'bounded'],
    ],
  );
  assert.equal(d.unattributed[0].growthBytesPerSecond, 0);
  assert.match(d.unattributed[0].explanation, /levelled off at (29|30)\.\d MiB/);
  assert.equal(d.verdict, 'no-leak');
  const text = diagnosisText(d, 'plateau.lhp', 10);
  assert.match(text, /^NO LEAK/);
  assert.match(text, /\n {2}bounded: ArrayBuffer memory/);
});

test('a sawtooth around a constant is no leak', () => {
  // collected every 2 s: 10 MiB to 14 MiB and back
  const d = recording('sawtooth', { external: (s) => 10 * MB + 4 * MB * ((s % 2) / 2) });
  assert.equal(d.unattributed.length, 1);
  assert.equal(d.unattributed[0].verdict, 'no-leak', d.unattributed[0].explanation);
  assert.equal(d.verdict, 'no-leak');
  assert.doesNotMatch(diagnosisText(d, 'sawtooth.lhp', 10), /external/, 'no-leak series stay out of the text');
});

test('a series rising over the later half only is unclear, not a leak', () => {
  const d = recording('late', { external: (s) => 5 * MB + Math.max(0, s - 24) * 1 * MB + jitter(s) / 3 });
  assert.equal(d.unattributed[0].verdict, 'unclear', d.unattributed[0].explanation);
  assert.match(d.unattributed[0].explanation, /longer run/);
  assert.equal(d.verdict, 'no-leak');
});

test('a profile without those series has no unattributed findings', () => {
  const d = recording('none', { rss: (s) => 50 * MB + s * MB, 'heap.used': (s) => 8 * MB + s * MB });
  assert.deepEqual(d.unattributed, []);
  assert.equal(d.verdict, 'no-leak');
  assert.deepEqual(JSON.parse(JSON.stringify(diagnosisJson(wholeRecording('none'), 'none.lhp', 100))).unattributed, []);
});
