/**
 * Other tools' files through every command (docs/IMPORT.md): heaptrack recordings
 * (.zst, .gz, plain) and V8's .heapprofile, read by the loader into the same Profile.
 * A real heaptrack recording of a C fixture is committed (test/fixtures/interop/) and
 * analyzed always; when heaptrack is installed, a fresh one is recorded too and its
 * culprit compared with the one leakhound's own recorder finds. The .heapprofile is
 * written by `node --heap-prof` running a Node.js fixture. Fixed work; no time asserted.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decompressZstd as decompress } from '../../../src/format/zstd-codec';
import { loadSync } from '../../../src/api/load';
import { assertCulprit, summary } from '../../helpers/assert-culprit';
import { AnalysisJson, assertOneLineFailure, recordCommand, ROOT, runCli, tmpDir } from '../../helpers/helpers';
import { buildFixture, fixtureSource } from '../../helpers/native-fixtures';

const dir = tmpDir('leakhound-import-test-');
const file = (name: string): string => path.join(dir, name);
const put = (name: string, data: Buffer | string): string => {
  fs.writeFileSync(file(name), data);
  return file(name);
};

/** A heaptrack 1.4.0 recording of test/fixtures/native/linear.c (cc -O1 -g), 9,001 allocations. */
const HEAPTRACK_LINEAR = path.join(ROOT, 'test', 'fixtures', 'interop', 'heaptrack.linear.zst');
const HEAPTRACK_LINEAR_TEXT = (): Buffer => Buffer.from(decompress(fs.readFileSync(HEAPTRACK_LINEAR)));
const LIFETIMES_WARNING =
  'a .heapprofile has no lifetimes and no times: it shows what was alive when it was taken, not what grows';

interface ImportedJson extends AnalysisJson {
  imported?: { format: string; lifetimes: boolean };
  warnings: string[];
}

function analyze(input: string): ImportedJson {
  const r = runCli(['analyze', input, '--json']);
  assert.equal(r.code, 0, `analyze ${input}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ImportedJson;
}

/** The line of `source` where `text` first appears (1-based). */
function lineOf(source: string, text: string): number {
  const index = fs
    .readFileSync(source, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(index >= 0, `${text} in ${source}`);
  return index + 1;
}

describe('heaptrack recordings', () => {
  it('the committed recording of linear.c: leak in session_new (linear.c, the line of its malloc), as leakhound finds it', () => {
    const a = analyze(HEAPTRACK_LINEAR);
    assert.equal(a.verdict, 'leak', summary(a));
    const g = assertCulprit(a, 'leak', 'session_new', 'linear.c', 1);
    assert.equal(g.frames[0].line, lineOf(fixtureSource('linear'), 'malloc(sizeof *s)'), summary(a));
    assert.deepEqual(a.imported, { format: 'heaptrack', lifetimes: true });
    assert.ok(
      a.warnings.some((w) => w.includes('heaptrack recording, which has no addresses, threads or exact times')),
      a.warnings.join('\n'),
    );
  });

  it("its counts are heaptrack's own (9,001 allocations, 3,000 leaked), with RSS and the command", () => {
    const p = loadSync(HEAPTRACK_LINEAR);
    assert.equal(p.header.recorder, 'heaptrack');
    assert.deepEqual(p.header.command, ['./linear']);
    assert.equal(p.columns.count, 9001);
    assert.equal(p.info.unmatchedFrees, 0);
    const d = p.data();
    assert.equal(d.allocations - d.frees, 3000, 'leaked allocations, as heaptrack_interpret counts them');
    assert.ok(p.info.clean && !p.info.truncated);
    const rss = p.series.get('rss');
    assert.ok(
      rss && rss.value.length > 0 && rss.value.every((v) => v > 0 && v % 4096 === 0),
      'RSS in bytes, whole pages',
    );
    for (let i = 1; i < p.columns.count; i++)
      assert.ok(p.columns.allocTime[i] >= p.columns.allocTime[i - 1], 'allocations in time order');
  });

  it('the same text gzip-compressed (heaptrack without zstd) and uncompressed reads the same', () => {
    const text = HEAPTRACK_LINEAR_TEXT();
    const zst = loadSync(HEAPTRACK_LINEAR);
    for (const input of [put('heaptrack.linear.gz', zlib.gzipSync(text)), put('heaptrack.linear.txt', text)]) {
      const p = loadSync(input);
      assert.equal(p.columns.count, zst.columns.count, input);
      assert.deepEqual(p.data(), zst.data(), input);
      assert.deepEqual(Array.from(p.columns.freeTime), Array.from(zst.columns.freeTime), input);
      assert.equal(analyze(input).verdict, 'leak', input);
    }
  });

  it('file format 2 (strings without their length) reads the same', () => {
    const lines = HEAPTRACK_LINEAR_TEXT().toString('utf8').split('\n');
    const v2 = lines.map((l) =>
      l.startsWith('v ') ? 'v 10200 2' : l.startsWith('s ') ? `s ${l.slice(l.indexOf(' ', 2) + 1)}` : l,
    );
    const p = loadSync(put('heaptrack.v2.txt', v2.join('\n')));
    const zst = loadSync(HEAPTRACK_LINEAR);
    assert.deepEqual(p.data(), zst.data());
    assert.deepEqual(p.frames, zst.frames);
    assert.equal((p.header.options as { fileFormat: number }).fileFormat, 2);
  });

  it('report and the text view read it too; the text view prints what heaptrack lacks as a warning', () => {
    const out = file('heaptrack-report.html');
    const r = runCli(['report', HEAPTRACK_LINEAR, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /session_new/);
    const text = runCli(['analyze', HEAPTRACK_LINEAR]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^LEAK: /);
    assert.match(text.stderr, /^leakhound: warning: .* is a heaptrack recording, which has no addresses/m);
  });

  it('a recording cut short loads what is complete, with a warning; cut in its first line, one line and exit 1', () => {
    const text = HEAPTRACK_LINEAR_TEXT();
    const cut = put('heaptrack.cut.gz', zlib.gzipSync(text.subarray(0, Math.floor(text.length * 0.6))));
    const r = runCli(['analyze', cut]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /heaptrack\.cut\.gz is truncated after line \d+ \(heaptrack was killed\?\): loaded every complete line before it/,
    );
    const p = loadSync(cut);
    assert.ok(p.info.truncated && p.columns.count > 0 && p.columns.count < 9001, `${p.columns.count} allocations`);
    // the compressed bytes cut short, not only the text
    const gz = zlib.gzipSync(text);
    const cutBytes = put('heaptrack.cut-bytes.gz', gz.subarray(0, Math.floor(gz.length * 0.7)));
    assert.ok(loadSync(cutBytes).info.truncated);
    assertOneLineFailure(
      runCli(['analyze', put('heaptrack.first-line.gz', zlib.gzipSync('v 104'))]),
      /truncated inside heaptrack's first line: nothing was recorded$/,
      'cut in the first line',
    );
  });

  it("heaptrack recorded live: the culprit is the frame leakhound's own recorder names", (t) => {
    const which = spawnSync('sh', ['-c', 'command -v heaptrack'], { encoding: 'utf8' });
    if (which.status !== 0) {
      t.diagnostic('heaptrack is not installed (apt-get install heaptrack): only the committed recording was analyzed');
      t.skip('heaptrack is not installed');
      return;
    }
    t.diagnostic(`heaptrack: ${which.stdout.trim()}`);
    const binary = buildFixture('linear');
    const base = file('live');
    // no display: heaptrack would open heaptrack_gui on its file when that is installed
    const env = { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' };
    const run = spawnSync('heaptrack', ['-o', base, binary], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(run.status, 0, `heaptrack: ${run.stdout}${run.stderr}`);
    const recorded = ['.zst', '.gz'].map((ext) => base + ext).find((f) => fs.existsSync(f));
    assert.ok(recorded, `heaptrack wrote no ${base}.zst or .gz: ${run.stdout}`);
    const a = analyze(recorded);
    assert.equal(a.verdict, 'leak', summary(a));
    const ours = recordCommand(file('live.lhp'), [binary]);
    assert.equal(ours.code, 0, ours.stderr);
    const b = analyze(file('live.lhp'));
    const fromHeaptrack = assertCulprit(a, 'leak', 'session_new', 'linear.c', 1).frames[0];
    const fromLeakhound = assertCulprit(b, 'leak', 'session_new', 'linear.c', 1).frames[0];
    assert.deepEqual(
      { function: fromHeaptrack.function, file: path.basename(fromHeaptrack.file), line: fromHeaptrack.line },
      { function: fromLeakhound.function, file: path.basename(fromLeakhound.file), line: fromLeakhound.line },
    );
  });
});

describe('.heapprofile (V8 sampling heap profile)', () => {
  const script = path.join(ROOT, 'test', 'fixtures', 'node', 'linear.js');
  let profile: string | undefined;
  /** `node --heap-prof` on linear.js: rememberRequest keeps ~17 MB to the end. */
  function heapprofile(): string {
    if (!profile) {
      const out = path.join(dir, 'heap-prof');
      const r = spawnSync(
        process.execPath,
        ['--heap-prof', `--heap-prof-dir=${out}`, '--heap-prof-interval=65536', script],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const files = fs.readdirSync(out).filter((f) => f.endsWith('.heapprofile'));
      assert.equal(files.length, 1, files.join(', '));
      profile = path.join(out, files[0]);
    }
    return profile;
  }

  it('analyze --json: the function that kept the objects, with its file and line; every site unclear, and why', () => {
    const a = analyze(heapprofile());
    const line = lineOf(script, 'function rememberRequest(');
    const kept = a.groups.find((g) => g.frames.some((f) => f.function === 'rememberRequest'));
    assert.ok(kept, summary(a));
    const frame = kept.frames.find((f) => f.function === 'rememberRequest')!;
    assert.equal(path.basename(frame.file), 'linear.js', summary(a));
    assert.equal(frame.line, line, summary(a));
    assert.ok(
      a.groups.every((g) => g.verdict === 'unclear'),
      `no verdict but unclear without lifetimes; ${summary(a)}`,
    );
    assert.equal(a.verdict, 'no-leak', 'no site is shown to leak');
    assert.deepEqual(a.imported, { format: 'heapprofile', lifetimes: false });
    assert.ok(
      a.warnings.some((w) => w.includes(LIFETIMES_WARNING)),
      a.warnings.join('\n'),
    );
  });

  it('analyze prints the lifetimes warning and claims no verdict it cannot know; report works on it', () => {
    const r = runCli(['analyze', heapprofile()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^UNCLEAR: \d+ allocation sites hold memory, but a \.heapprofile shows what was alive when it was taken, not what grows/,
    );
    assert.ok(r.stderr.includes(LIFETIMES_WARNING), r.stderr);
    const out = file('heapprofile-report.html');
    const report = runCli(['report', heapprofile(), '-o', out]);
    assert.equal(report.code, 0, report.stderr);
    const html = fs.readFileSync(out, 'utf8');
    assert.match(html, /rememberRequest/);
    assert.match(html, /UNCLEAR: /);
  });

  it('each sample is an allocation of the bytes it stands for, at time 0, never freed', () => {
    const p = loadSync(heapprofile());
    interface Node {
      id: number;
      children: Node[];
    }
    const json = JSON.parse(fs.readFileSync(heapprofile(), 'utf8')) as {
      head: Node;
      samples: { size: number; nodeId: number }[];
    };
    const nodes = new Set<number>();
    const walk = (n: Node): void => {
      nodes.add(n.id);
      n.children.forEach(walk);
    };
    walk(json.head);
    // node writes its last samples, taken while writing, with nodes the tree lacks: those are left out
    const samples = json.samples.filter((s) => nodes.has(s.nodeId));
    assert.ok(samples.length > json.samples.length / 2);
    assert.equal(p.header.recorder, 'heapprofile');
    assert.equal(p.columns.count, samples.length);
    assert.equal(
      p.data().leakedBytes,
      samples.reduce((s, x) => s + x.size, 0),
    );
    assert.ok(Array.from(p.columns.allocTime).every((t) => t === 0));
    assert.ok(Array.from(p.columns.freeTime).every((t) => t === Infinity));
    assert.equal(p.runtimeNs, 0);
  });

  it('samples of nodes the call tree lacks (node writes the last ones so) are left out, with a warning', () => {
    const head = {
      callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1 },
      id: 1,
      children: [
        { callFrame: { functionName: 'keep', scriptId: '3', url: '/app/a.js', lineNumber: 0 }, id: 2, children: [] },
      ],
    };
    const samples = [
      { size: 100, nodeId: 2, ordinal: 1 },
      { size: 70, nodeId: 9, ordinal: 2 },
    ];
    const p = loadSync(put('orphan.heapprofile', JSON.stringify({ head, samples })));
    assert.equal(p.columns.count, 1);
    assert.ok(
      p.info.warnings.some((w) => /1 of its 2 samples \(70 B\) belong to no node of its call tree: left out$/.test(w)),
      p.info.warnings.join('\n'),
    );
  });

  it("a DevTools file without samples: each node's self size is an allocation", () => {
    const tree = {
      head: {
        callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
        selfSize: 0,
        id: 1,
        children: [
          {
            callFrame: {
              functionName: 'load',
              scriptId: '7',
              url: 'file:///app/cache.js',
              lineNumber: 9,
              columnNumber: 2,
            },
            selfSize: 4096,
            id: 2,
            children: [
              {
                callFrame: {
                  functionName: 'parse',
                  scriptId: '7',
                  url: 'file:///app/cache.js',
                  lineNumber: 30,
                  columnNumber: 2,
                },
                selfSize: 1024,
                id: 3,
                children: [],
              },
            ],
          },
        ],
      },
    };
    const p = loadSync(put('devtools.heapprofile', JSON.stringify(tree)));
    assert.equal(p.columns.count, 2);
    assert.equal(p.data().leakedBytes, 5120);
    const parse = p.backtrace(p.columns.stack[Array.from(p.columns.size).indexOf(1024)]);
    assert.deepEqual(
      parse.frames.map((f) => `${f.function} ${f.file}:${f.line}`),
      ['parse /app/cache.js:31', 'load /app/cache.js:10'],
    );
    assert.ok(p.info.warnings.some((w) => w.includes('has no samples')));
  });
});

test('bad input: one line, exit 1, for analyze and --json', () => {
  const seeded = Buffer.alloc(4096);
  for (let i = 0, x = 1; i < seeded.length; i++) seeded[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const text = HEAPTRACK_LINEAR_TEXT().toString('utf8');
  const cases: [string, string, RegExp][] = [
    [
      'a gzip of garbage',
      put('garbage.gz', zlib.gzipSync(seeded)),
      /garbage\.gz is gzip-compressed but holds no heaptrack recording: not a leakhound, heaptrack or \.heapprofile file$/,
    ],
    [
      'damaged gzip',
      put('damaged.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), seeded.subarray(0, 64)])),
      /damaged\.gz is corrupt: its gzip compression is damaged/,
    ],
    [
      'JSON that is no heapprofile',
      put('other.json', '{"name": "leakhound", "version": "0.1.0"}'),
      /other\.json is not a leakhound, heaptrack or \.heapprofile file: JSON without the call tree \(head\) of a \.heapprofile$/,
    ],
    [
      'a CPU profile',
      put('cpu.cpuprofile', '{"nodes": [], "startTime": 0, "endTime": 1, "samples": [], "timeDeltas": []}'),
      /not a leakhound, heaptrack or \.heapprofile file: a CPU profile \(\.cpuprofile\)$/,
    ],
    [
      'a heapprofile cut short',
      put('cut.heapprofile', '{"head": {"callFrame": {"functionName": "(root)"'),
      /cut\.heapprofile is not a leakhound, heaptrack or \.heapprofile file: it begins like JSON but is not valid JSON/,
    ],
    [
      'a call tree without a root',
      put('rootless.heapprofile', JSON.stringify({ head: { id: 1, children: [] }, samples: [] })),
      /rootless\.heapprofile is not a leakhound, heaptrack or \.heapprofile file: JSON without the call tree \(head\) of a \.heapprofile$/,
    ],
    [
      'a node without an id',
      put(
        'no-id.heapprofile',
        JSON.stringify({
          head: { callFrame: { functionName: '(root)' }, id: 1, children: [{ callFrame: { functionName: 'f' } }] },
        }),
      ),
      /no-id\.heapprofile is corrupt: a node of its call tree lacks an id or a call frame$/,
    ],
    [
      'heaptrack raw data',
      put('raw.txt', 'v 10400 3\nx e /tmp/ht/linear\nX ./linear\nI 1000 5e298f\nm 1 -\n'),
      /holds heaptrack's raw, uninterpreted data \(heaptrack --raw\)/,
    ],
    [
      'an allocation of no allocation info',
      put('dangling.txt', text.replace(/^\+ 0$/m, '+ ffffff')),
      /dangling\.txt is corrupt at line \d+: an allocation refers to allocation info 16777215, never defined$/,
    ],
    [
      'a newer heaptrack format',
      put('future.txt', 'v 20000 9\nX ./a\n'),
      /uses heaptrack's file format 9 \(heaptrack 2\.0\.0\), newer than this leakhound reads \(3\)$/,
    ],
  ];
  for (const [what, input, pattern] of cases) {
    assertOneLineFailure(runCli(['analyze', input]), pattern, what);
    assertOneLineFailure(runCli(['analyze', input, '--json']), pattern, `${what} (--json)`);
  }
});
