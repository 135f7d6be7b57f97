/**
 * How the Node.js recorder turns polls of V8's live heap samples into lifetimes:
 * synthetic sampling profiles in, an .lhp stream out, read back with the loader.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { V8_BUILTIN_MODULE } from '../../../src/format/constants';
import { AddonSampler, loadAddon } from '../../../src/recorders/node/addon-sampler';
import { openHeapSampler, SampleNode } from '../../../src/recorders/node/heap-sampler';
import { liveSamplesOf, SamplingProfile } from '../../../src/recorders/node/inspector-sampler';
import { SampleLifetimes } from '../../../src/recorders/node/sample-lifetimes';
import { ROOT, tmpDir } from '../../helpers/helpers';

const dir = tmpDir('leakhound-lifetimes-');
const APP = '/srv/app.js';
const RECORDER_FILE = path.join(__dirname, '..', '..', '..', 'src', 'recorders', 'node', 'node-recorder.ts');

let nextId = 1;
function node(
  functionName: string,
  url: string,
  lineNumber: number,
  children: SamplingProfile['head'][] = [],
  scriptId = url ? '42' : '0',
): SamplingProfile['head'] {
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

function recordPolls(polls: { atNs: number; samples: SamplingProfile['samples']; lastGcNs?: number }[]) {
  const file = path.join(dir, `polls-${nextId++}.lhp`);
  const writer = LhpWriter.create(file, { recorder: 'node' });
  const lifetimes = new SampleLifetimes(writer, 0);
  const counts = polls.map((p) => lifetimes.record(liveSamplesOf({ head, samples: p.samples }), p.atNs, p.lastGcNs));
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
    assert.deepEqual(counts, [
      { born: 2, died: 0 },
      { born: 1, died: 1 },
    ]);
    const c = profile.columns;
    assert.equal(c.count, 3);
    const freed = Array.from(c.freeTime).filter((t) => t !== Infinity);
    assert.deepEqual(freed, [2e9], 'sample 1 is gone at the second poll');
  });

  it('dates a free at the GC that collected it when the sampler knows when that was, else at the poll', () => {
    const { profile } = recordPolls([
      { atNs: 1e9, samples: [sample(1, remember.id), sample(2, remember.id)] },
      { atNs: 2e9, samples: [sample(2, remember.id)], lastGcNs: 1.6e9 },
      { atNs: 3e9, samples: [], lastGcNs: 1.6e9 }, // no GC since the last poll: the poll's time
    ]);
    assert.deepEqual(Array.from(profile.columns.freeTime), [1.6e9, 3e9]);
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
    const { profile } = recordPolls([
      { atNs: 1e9, samples: [sample(1, remember.id, 65536), sample(2, remember.id, 1 << 20)] },
    ]);
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

describe('node recorder: the heap sampler addon', () => {
  // the built addon: the tests run the sources, npm install builds it into dist/
  const loaded = loadAddon(path.join(ROOT, 'dist', 'recorders', 'node', 'heap-sampler.node'));
  it('is built by npm install and loads into this node', () => {
    assert.ok('addon' in loaded, `the addon: ${'reason' in loaded ? loaded.reason : ''}`);
  });

  it('polls live samples with no GC, new tree nodes once, with 1-based lines; times the GCs; a full GC frees what was let go and wakes the loop', () => {
    // in a plain node process, so that lines are the script's own
    const script = path.join(dir, 'keep.js');
    fs.writeFileSync(
      script,
      [
        `const { AddonSampler, loadAddon } = require(${JSON.stringify(path.join(ROOT, 'dist', 'recorders', 'node', 'addon-sampler.js'))});`,
        'const sampler = new AddonSampler(loadAddon().addon);',
        'const keep = [];',
        'function keepSome(count) {',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the program's own template literal
        '  for (let i = 0; i < count; i++) keep.push({ n: i, text: `kept ${i}`.repeat(20) });',
        '}',
        'let wakes = 0;',
        'sampler.start(4096);',
        'sampler.onMajorGc(() => wakes++);',
        'keepSome(20000);',
        'const first = sampler.poll();',
        'const second = sampler.poll();',
        'keep.length = 0;',
        'sampler.collectGarbage();',
        'const after = sampler.poll();',
        'const seen = (p) => new Set(Array.from({ length: p.samples.length / 3 }, (_, i) => p.samples[i * 3 + 1]));',
        'const kinds = (p) => Array.from({ length: p.gcs.length / 3 }, (_, i) => p.gcs[i * 3 + 2]);',
        'setImmediate(() => console.log(JSON.stringify({ wakes, first: { nodes: first.nodes, count: first.samples.length / 3, nodeIds: [...seen(first)], lastMajor: first.lastMajorGcHrtimeNs },',
        '  second: { nodes: second.nodes.map((n) => n.id), lastMajor: second.lastMajorGcHrtimeNs, gcs: kinds(second) },',
        '  after: { count: after.samples.length / 3, lastMajor: after.lastMajorGcHrtimeNs, gcs: kinds(after), pauses: Array.from(after.gcs).filter((_, i) => i % 3 === 1) } })));',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const kept = out.first.nodes.find((n: SampleNode) => n.functionName === 'keepSome');
    assert.ok(kept, `keepSome is a node: ${out.first.nodes.map((n: SampleNode) => n.functionName).join(', ')}`);
    assert.deepEqual([kept.url, kept.line], [script, 4], 'its script, and the 1-based line of its declaration');
    const underKeep = new Set([
      kept.id,
      ...out.first.nodes.filter((n: SampleNode) => n.parent === kept.id).map((n: SampleNode) => n.id),
    ]);
    assert.ok(
      out.first.nodeIds.some((id: number) => underKeep.has(id)),
      `the kept objects are sampled under keepSome: ${JSON.stringify(out.first)}`,
    );
    assert.ok(out.first.count > 100, `~4 MB kept at a 4 KiB interval: ${out.first.count} samples`);
    assert.equal(out.second.lastMajor, out.first.lastMajor, 'a poll is no full GC');
    const given = new Set(out.first.nodes.map((n: SampleNode) => n.id));
    assert.ok(!out.second.nodes.some((id: number) => given.has(id)), 'nodes already given are not given again');
    assert.ok(
      out.after.count < out.first.count / 4,
      `samples after the full GC: ${out.after.count} of ${out.first.count}`,
    );
    assert.ok(out.after.lastMajor > (out.first.lastMajor ?? 0), 'the full GC is dated');
    assert.deepEqual(out.second.gcs, [], 'no GC between two polls: none reported');
    assert.ok(
      out.after.gcs.includes(4),
      `the forced collection's full GCs (V8's kGCTypeMarkSweepCompact, 4) are reported: ${out.after.gcs}`,
    );
    assert.ok(
      out.after.pauses.every((ns: number) => ns >= 0) && out.after.pauses.some((ns: number) => ns > 0),
      'with their pauses',
    );
    assert.ok(out.wakes >= 1, 'the event loop was woken after the full GC');
  });

  it("a census starts V8's own marking, which ends in a full GC the next poll dates", async () => {
    assert.ok('addon' in loaded);
    const sampler = new AddonSampler(loaded.addon);
    sampler.start(65536);
    try {
      const before = sampler.poll().lastMajorGcHrtimeNs ?? 0;
      sampler.startCensus();
      let garbage = 0;
      // marking advances as the program allocates and as the event loop turns
      for (let round = 0; round < 200 && (sampler.poll().lastMajorGcHrtimeNs ?? 0) === before; round++) {
        for (let i = 0; i < 10_000; i++) garbage += JSON.stringify({ i, round }).length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(
        (sampler.poll().lastMajorGcHrtimeNs ?? 0) > before,
        `a full GC after the census (${garbage} bytes of garbage made)`,
      );
    } finally {
      sampler.stop();
    }
  });

  // the fall-back to the inspector when the addon is missing: record-node.test.ts, "without the addon"
  it('an addon that cannot be loaded gives its reason in one line; turned off, the inspector is used, with no reason', () => {
    const missing = loadAddon(path.join(dir, 'none.node'));
    assert.ok('reason' in missing && /was not built/.test(missing.reason), JSON.stringify(missing));
    const corrupt = path.join(dir, 'corrupt.node');
    fs.writeFileSync(corrupt, 'not an ELF file');
    const bad = loadAddon(corrupt);
    assert.ok('reason' in bad && bad.reason.length > 0 && !bad.reason.includes('\n'), JSON.stringify(bad));
    assert.deepEqual(
      [openHeapSampler(false).sampler.kind, openHeapSampler(false).fallback],
      ['inspector', undefined],
      'turned off: no reason to give',
    );
  });
});
