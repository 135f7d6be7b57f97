/**
 * How the Node.js recorder turns polls of V8's live heap samples into lifetimes:
 * synthetic sampling profiles in, an .lhp stream out, read back with the loader.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LhpWriter } from '../src/format/writer';
import { loadSync } from '../src/profile/loader';
import { V8_BUILTIN_MODULE } from '../src/format/constants';
import { SampleLifetimes, SamplingProfile } from '../src/recorders/node/sample-lifetimes';
import { tmpDir } from './helpers';

const dir = tmpDir('leakhound-lifetimes-');
const APP = '/srv/app.js';
const RECORDER_FILE = path.join(__dirname, '..', 'src', 'recorders', 'node', 'node-recorder.ts');

let nextId = 1;
function node(functionName: string, url: string, lineNumber: number, children: SamplingProfile['head'][] = [], scriptId = url ? '42' : '0'): SamplingProfile['head'] {
  // V8's builtins are in script 0
  return { id: nextId++, callFrame: { functionName, scriptId, url, lineNumber }, children };
}

// (root) > main (app.js:1) > remember (app.js:10) > push (builtin); main > poll (the recorder's own code)
const push = node('push', '', -1);
const remember = node('remember', pathToFileURL(APP).href, 9, [push]);
const recorderCallee = node('stringify', '', -1);
// CommonJS scripts are named by their path, ES modules by their URL: both kinds appear.
const recorderPoll = node('poll', RECORDER_FILE, 100, [recorderCallee]);
// a function of a script V8 has collected: no url, no line, but a script id
const collected = node('leakSync', '', -1, [], '57');
const main = node('main', pathToFileURL(APP).href, 0, [remember, recorderPoll, collected]);
const head = node('(root)', '', -1, [main]);

const sample = (ordinal: number, nodeId: number, size = 64) => ({ size, nodeId, ordinal });

function recordPolls(polls: { atNs: number; samples: SamplingProfile['samples'] }[]) {
  const file = path.join(dir, `polls-${nextId++}.lhp`);
  const writer = LhpWriter.create(file, { recorder: 'node' });
  const lifetimes = new SampleLifetimes(writer, 0);
  const counts = polls.map((p) => lifetimes.record({ head, samples: p.samples }, p.atNs));
  writer.finish(polls[polls.length - 1].atNs);
  writer.close();
  return { profile: loadSync(file), counts };
}

describe('node recorder: sampled lifetimes', () => {
  it('writes a sample that appears as an alloc and one that disappears as a free at that poll', () => {
    const { profile, counts } = recordPolls([
      { atNs: 1e9, samples: [sample(1, push.id), sample(2, remember.id)] },
      { atNs: 2e9, samples: [sample(2, remember.id), sample(3, remember.id)] },
    ]);
    assert.deepEqual(counts, [{ born: 2, died: 0 }, { born: 1, died: 1 }]);
    const c = profile.columns;
    assert.equal(c.count, 3);
    const freed = Array.from(c.freeTime).filter((t) => t !== Infinity);
    assert.deepEqual(freed, [2e9], 'sample 1 is gone at the second poll');
  });

  it('dates an allocation between the polls around it by its ordinal', () => {
    const { profile } = recordPolls([
      { atNs: 1e9, samples: [sample(10, remember.id)] },
      { atNs: 3e9, samples: [sample(10, remember.id), sample(15, remember.id), sample(20, remember.id)] },
    ]);
    // ordinals 0..10 over [0, 1 s]; 10..20 over [1 s, 3 s]: ordinal 15 is half-way, at 2 s
    assert.deepEqual(Array.from(profile.columns.allocTime), [1e9, 2e9, 3e9]);
  });

  it('keeps the size V8 reports: what the sample stands for', () => {
    const { profile } = recordPolls([{ atNs: 1e9, samples: [sample(1, remember.id, 65536), sample(2, remember.id, 1 << 20)] }]);
    assert.deepEqual(Array.from(profile.columns.size), [65536, 1 << 20]);
    assert.deepEqual(profile.data().allocatedBytes, 65536 + (1 << 20));
  });

  it("leaves the recorder's own allocations out, and marks V8 builtins", () => {
    const { profile } = recordPolls([
      { atNs: 1e9, samples: [sample(1, recorderPoll.id), sample(2, push.id)] },
      { atNs: 2e9, samples: [sample(2, push.id), sample(3, recorderCallee.id)] },
    ]);
    assert.equal(profile.columns.count, 1, 'only the program sample, at every poll, however deep in the recorder');
    const bt = profile.backtrace(profile.columns.stack[0]);
    assert.deepEqual(
      bt.frames.map((f) => `${f.function}:${f.line}:${f.module}`),
      [`push:0:${V8_BUILTIN_MODULE}`, 'remember:10:', 'main:1:'],
      'innermost first, 1-based lines, no (root)',
    );
    assert.equal(bt.frames[1].file, APP);
  });

  it('keeps a function of a collected script as a program frame, not a builtin', () => {
    const { profile } = recordPolls([{ atNs: 1e9, samples: [sample(1, collected.id)] }]);
    const [inner] = profile.backtrace(profile.columns.stack[0]).frames;
    assert.deepEqual([inner.function, inner.module], ['leakSync', '']);
  });
});
