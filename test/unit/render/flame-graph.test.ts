import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { LhpWriter } from '../../../src/format/writer';
import { loadSync } from '../../../src/api/load';
import { Profile } from '../../../src/api/profile';
import { flameGraphSvg } from '../../../src/render/svg/flame-graph';
import { escapeXml } from '../../../src/render/svg/xml';
import { diagnose } from '../../../src/diagnose/diagnose';
import { FlameNode, leakedFlameTree } from '../../../src/views/flame-tree';
import { simulate } from '../../../src/simulate/simulate';
import { formatBytes, percent } from '../../../src/util/units';
import { tmpDir } from '../../helpers/helpers';

const dir = tmpDir();

const simFile = path.join(dir, 'sim.lhp');
simulate({ output: simFile, allocations: 50_000, seed: 1 });
const sim = loadSync(simFile);

function* nodes(root: FlameNode, depth = 0): Generator<{ node: FlameNode; depth: number; path: string[] }> {
  const stack = [{ node: root, depth, path: [root.name] }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    yield item;
    for (const c of item.node.children) stack.push({ node: c, depth: item.depth + 1, path: [...item.path, c.name] });
  }
}

const child = (n: FlameNode, name: string): FlameNode => {
  const c = n.children.find((k) => k.name === name);
  assert.ok(c, `${n.name} has a child ${name}: ${n.children.map((k) => k.name)}`);
  return c;
};

// ---------------------------------------------------------------- the tree

test('flame tree of a simulated run: the total is the leaked bytes the query API counts', () => {
  const tree = leakedFlameTree(sim);
  const leaked = sim.allocations().onlyLeaked().size();
  assert.ok(leaked > 0);
  assert.equal(tree.name, 'all');
  assert.equal(tree.value, leaked);
  assert.equal(tree.value, sim.data().leakedBytes);
});

test('flame tree: children sorted largest first, never more than their parent, every node leaked something', () => {
  const tree = leakedFlameTree(sim);
  let count = 0;
  for (const { node } of nodes(tree)) {
    count++;
    assert.ok(node.value > 0, `${node.name} has a value`);
    const values = node.children.map((c) => c.value);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
      `children of ${node.name} sorted`,
    );
    const sum = values.reduce((s, v) => s + v, 0);
    assert.ok(sum <= node.value, `children of ${node.name}: ${sum} ≤ ${node.value}`);
    for (const v of values) assert.ok(v <= node.value);
  }
  assert.ok(count > 5);
});

test('flame tree: stripped stacks from the outermost frame down, session_new a leaf with its leaked bytes', () => {
  const tree = leakedFlameTree(sim);
  // the simulated workers' stacks: start_thread/clone3 stripped above, malloc/xmalloc below
  assert.deepEqual(
    tree.children.map((c) => c.name),
    ['worker_main'],
  );
  const session = child(child(child(child(tree, 'worker_main'), 'dispatch_request'), 'handle_login'), 'session_new');
  assert.deepEqual(session.children, []);
  assert.equal(session.file, 'src/session.c');
  assert.equal(session.line, 57);
  assert.equal(session.value, sim.allocations().onlyLeaked().onlyPassingThroughFunction('^session_new$').size());
  const leafPaths = [...nodes(tree)].filter((n) => n.node.children.length === 0).map((n) => n.path.join(' > '));
  assert.ok(
    leafPaths.includes('all > worker_main > dispatch_request > handle_login > session_new'),
    leafPaths.join('\n'),
  );
  const names = new Set([...nodes(tree)].map((n) => n.node.name));
  for (const stripped of ['malloc', 'realloc', 'xmalloc', 'start_thread', 'clone3', '_start', '__libc_start_main'])
    assert.ok(!names.has(stripped), `${stripped} is stripped`);
  // nothing freed appears: the churn is all temporary
  for (const temporary of ['format_header', 'json_encode', 'Token::clone']) assert.ok(!names.has(temporary), temporary);
});

test('flame tree: select restricts to a list of allocations', () => {
  const list = sim.allocations().onlyPassingThroughFunction('cache_insert');
  const tree = leakedFlameTree(sim, { select: list });
  assert.equal(tree.value, list.onlyLeaked().size());
  assert.ok(tree.value > 0 && tree.value < sim.data().leakedBytes);
  const leafPaths = [...nodes(tree)].filter((n) => n.node.children.length === 0).map((n) => n.path.join(' > '));
  assert.deepEqual(leafPaths, ['all > worker_main > dispatch_request > lookup_user > cache_insert']);

  const temporaries = leakedFlameTree(sim, { select: sim.allocations().onlyTemporary() });
  assert.deepEqual(temporaries, { name: 'all', file: '', line: 0, value: 0, children: [] });

  assert.throws(() => leakedFlameTree(handMade(), { select: list }), /another profile/);
});

/*
 * Stacks (innermost first), leaked bytes:
 *  S0 malloc, handler@app.c:10, main            100 leaked (+ 5000 freed)
 *  S1 malloc, handler@app.c:12, main            200   same function and file, other line: one node, line 10
 *  S2 malloc, handler@lib.c:7,  main             40   same function, other file: a node of its own
 *  S3 malloc, leaf@app.c:3, handler@app.c:14, main  8 a child of the merged handler
 *  S4 malloc, worker_loop, start_thread          30   a thread's start function at the top
 *  S5 malloc only                                 6   nothing of the program's own: the whole stack is kept
 *  S6 empty stack                                 4   counts in the root only
 * One allocation is sampled: size 16, weight 1000 (S4): bytes are weights.
 */
function handMade(): Profile {
  const file = path.join(dir, 'hand-made.lhp');
  const w = LhpWriter.create(file, { recorder: 'test' });
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const fr = (fn: string, file?: string, line?: number, module = '/usr/bin/app') =>
    w.frame({ function: fn, file, line, module });
  const malloc = fr('malloc', undefined, undefined, libc);
  const main = fr('main', 'app.c', 1);
  const S0 = w.stack([malloc, fr('handler', 'app.c', 10), main]);
  const S1 = w.stack([malloc, fr('handler', 'app.c', 12), main]);
  const S2 = w.stack([malloc, fr('handler', 'lib.c', 7), main]);
  const S3 = w.stack([malloc, fr('leaf', 'app.c', 3), fr('handler', 'app.c', 14), main]);
  const S4 = w.stack([malloc, fr('worker_loop', 'worker.c', 5), fr('start_thread', undefined, undefined, libc)]);
  const S5 = w.stack([malloc]);
  const S6 = w.stack([]);
  w.thread(1, 'main');
  let t = 0;
  let address = 0x1000;
  const alloc = (size: number, stack: number, weight?: number) => {
    w.alloc((t += 1000), (address += 0x100), size, stack, 1, weight);
    return address;
  };
  alloc(100, S0);
  w.free((t += 1000), alloc(5000, S0));
  alloc(200, S1);
  alloc(40, S2);
  alloc(8, S3);
  alloc(30, S4);
  alloc(16, S4, 1000);
  alloc(6, S5);
  alloc(4, S6);
  w.finish((t += 1000));
  w.close();
  return loadSync(file);
}

test('flame tree: merged by function and file, first line kept; weights; unstripped and empty stacks', () => {
  const p = handMade();
  const tree = leakedFlameTree(p);
  const total = 100 + 200 + 40 + 8 + 30 + 1000 + 6 + 4;
  assert.equal(tree.value, total);
  assert.equal(tree.value, p.allocations().onlyLeaked().size());
  const simple = (n: FlameNode): unknown => ({
    n: `${n.name} ${n.file}:${n.line}`,
    v: n.value,
    c: n.children.map(simple),
  });
  assert.deepEqual(simple(tree), {
    n: 'all :0',
    v: total,
    c: [
      { n: 'worker_loop worker.c:5', v: 1030, c: [] },
      {
        n: 'main app.c:1',
        v: 348,
        c: [
          { n: 'handler app.c:10', v: 308, c: [{ n: 'leaf app.c:3', v: 8, c: [] }] },
          { n: 'handler lib.c:7', v: 40, c: [] },
        ],
      },
      { n: 'malloc :0', v: 6, c: [] },
    ],
  });
});

// ---------------------------------------------------------------- the SVG

/**
 * A well-formedness check without an XML parser: the document is nothing but tags
 * (names, double-quoted attributes without `<`, each once) and text, every `&` an
 * entity, no character XML forbids, tags properly nested in exactly one root.
 */
function assertWellFormed(xml: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML forbids are what it looks for
  assert.ok(!/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(xml), 'no character XML forbids');
  const token = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const escaped = /^(?:[^&<>]|&(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)*$/;
  const open: string[] = [];
  let roots = 0;
  let at = 0;
  while (at < xml.length) {
    token.lastIndex = at;
    const m = token.exec(xml);
    assert.ok(m, `well-formed at ${at}: ${JSON.stringify(xml.slice(at, at + 80))}`);
    at = token.lastIndex;
    const [, close, name, attrs, selfClose, text] = m;
    if (text !== undefined) {
      assert.ok(open.length > 0 || text.trim() === '', `text outside the root: ${JSON.stringify(text)}`);
      assert.match(text, escaped);
      continue;
    }
    if (close) {
      assert.ok(!attrs && !selfClose, `</${name}> is a plain closing tag`);
      assert.equal(open.pop(), name, `</${name}> closes the open element`);
      continue;
    }
    const names = [...attrs.matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)].map((a) => {
      assert.match(a[2], escaped, `attribute ${a[1]}`);
      return a[1];
    });
    assert.equal(new Set(names).size, names.length, `<${name}> repeats no attribute`);
    if (open.length === 0) roots++;
    if (!selfClose) open.push(name);
  }
  assert.deepEqual(open, [], 'every element closed');
  assert.equal(roots, 1, 'one root element');
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|amp|#39);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', amp: '&', '#39': "'" })[e]!);

interface DrawnFrame {
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
  label: string | null;
}

/** Each `<g class="lh-frame">`, as flameGraphSvg writes it. */
function frames(svg: string): DrawnFrame[] {
  const pattern =
    /<g class="lh-frame"><title>([^<]*)<\/title><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#[0-9a-f]{6}"\/>(?:<text x="[\d.]+" y="[\d.]+">([^<]*)<\/text>)?<\/g>/g;
  const found = [...svg.matchAll(pattern)].map((m) => ({
    title: unescapeXml(m[1]),
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5]),
    label: m[6] === undefined ? null : unescapeXml(m[6]),
  }));
  assert.equal(found.length, svg.split('<g class="lh-frame">').length - 1, 'every frame group has the expected shape');
  return found;
}

for (const options of [
  {},
  { minWidthPx: 2.5 },
  { width: 640, rowHeight: 16, minWidthPx: 0.333, title: 'Leaks <of> "demo" & co' },
]) {
  test(`flame graph of a simulated run ${JSON.stringify(options)}: well-formed, one group per frame wide enough, tooltips`, () => {
    const tree = leakedFlameTree(sim);
    const svg = flameGraphSvg(tree, options);
    const width = options.width ?? 1200;
    const rowHeight = options.rowHeight ?? 18;
    const minWidthPx = options.minWidthPx ?? 0.5;
    assertWellFormed(svg);
    const root = svg.match(/^<svg ([^>]*)>\n<title>([^<]*)<\/title>/);
    assert.ok(root, 'an <svg> element with a <title> first');
    assert.match(root[1], /^xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="lh-flame" /);
    assert.equal(unescapeXml(root[2]), options.title ?? 'Bytes never freed by call stack');
    assert.ok(!/<script|href=|url\(|<style|<foreignObject/i.test(svg), 'self-contained, no script');

    const expected = [...nodes(tree)].filter(({ node }) => (node.value * width) / tree.value >= minWidthPx);
    const drawn = frames(svg);
    assert.equal(drawn.length, expected.length);
    const depth = Math.max(...expected.map((e) => e.depth));
    assert.match(
      root[1],
      new RegExp(
        `width="${width}" height="${(depth + 1) * rowHeight}" viewBox="0 0 ${width} ${(depth + 1) * rowHeight}"`,
      ),
    );
    if (minWidthPx > 2) assert.ok(expected.length < [...nodes(tree)].length, 'some frames too narrow to draw');

    for (const f of drawn) {
      assert.ok(f.width >= minWidthPx, `${f.title}: ${f.width} ≥ ${minWidthPx}`);
      assert.ok(f.x >= 0 && f.x + f.width <= width + 0.011, `${f.title} inside the width`);
      assert.equal(f.y % rowHeight, 0);
      assert.equal(f.height, rowHeight - 1);
      if (f.label !== null) {
        const name = f.title.split(' ')[0];
        assert.ok(
          f.label === name || (f.label.endsWith('…') && name.startsWith(f.label.slice(0, -1))),
          `label ${f.label} of ${name}`,
        );
        assert.ok(f.label.length * 7 <= f.width, `label ${f.label} fits in ${f.width} px`);
      }
    }
    // an icicle: the root is the top row, full width
    assert.deepEqual(
      drawn.filter((f) => f.y === 0).map((f) => [f.title, f.x, f.width]),
      [[`all — ${formatBytes(tree.value)}, 100%`, 0, width]],
    );
    const session = child(child(child(child(tree, 'worker_main'), 'dispatch_request'), 'handle_login'), 'session_new');
    const title = `session_new (src/session.c:57) — ${formatBytes(session.value)}, ${percent(session.value / tree.value)}`;
    const frame = drawn.find((f) => f.title === title);
    assert.ok(frame, `a frame titled ${title}: ${drawn.map((f) => f.title).join('\n')}`);
    assert.equal(frame.y, 4 * rowHeight, 'session_new four calls below the root');
    assert.ok(Math.abs(frame.width - (session.value / tree.value) * width) < 0.011);
  });
}

test('flame graph: names are escaped, labels cut with an ellipsis or left out', () => {
  const odd = 'operator<< <std::string, "x" & \'y\'>\u0001';
  const tree: FlameNode = {
    name: 'all',
    file: '',
    line: 0,
    value: 1000,
    children: [
      { name: odd, file: 'a&b.cc', line: 3, value: 600, children: [] },
      { name: 'a_rather_long_function_name_that_cannot_fit', file: '', line: 0, value: 300, children: [] },
      { name: 'tiny', file: 'x.c', line: 0, value: 20, children: [] },
    ],
  };
  const svg = flameGraphSvg(tree, { width: 200, minWidthPx: 1 });
  assertWellFormed(svg);
  assert.ok(!svg.includes('<std') && !svg.includes('\u0001'));
  const drawn = frames(svg);
  assert.deepEqual(
    drawn.map((f) => f.title),
    [
      'all — 1000 B, 100%',
      'operator<< <std::string, "x" & \'y\'>\uFFFD (a&b.cc:3) — 600 B, 60%',
      'a_rather_long_function_name_that_cannot_fit — 300 B, 30%',
      'tiny (x.c) — 20 B, 2%',
    ],
  );
  // 120 px: 15 characters; 60 px: 7; 4 px: none
  assert.deepEqual(
    drawn.map((f) => f.label),
    ['all', 'operator<< <st…', 'a_rath…', null],
  );
});

test('flame graph of nothing never freed: a small SVG that says so', () => {
  const svg = flameGraphSvg(leakedFlameTree(sim, { select: sim.allocations().onlyTemporary() }));
  assertWellFormed(svg);
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="lh-flame" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"[^>]*>\n<title>/,
  );
  assert.match(svg, />nothing was left unfreed<\/text>/);
  assert.ok(!svg.includes('lh-frame'));
  assert.ok(svg.length < 500);
});

test('escapeXml: the five specials, and what XML cannot hold', () => {
  assert.equal(
    escapeXml(`<a href="x">Tom & 'Jerry'</a>`),
    '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
  );
  assert.equal(escapeXml('tab\tnew\nline\r'), 'tab\tnew\nline\r');
  assert.equal(escapeXml('nul\u0000 bell\u0007 \uFFFE'), 'nul\uFFFD bell\uFFFD \uFFFD');
  assert.equal(escapeXml('emoji 🐕 lone \uD83D end \uDC15'), 'emoji 🐕 lone \uFFFD end \uFFFD');
});

test('flame tree of the leak sites: the bytes they retain, as their retainedBytes sum, and no bounded cache', () => {
  const diagnosis = diagnose(sim);
  const tree = leakedFlameTree(sim, { weigh: 'leak-sites', diagnosis });
  const leaks = diagnosis.groups.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
  assert.equal(Math.round(tree.value), Math.round(leaks.reduce((a, g) => a + g.retainedBytes, 0)));
  const names = new Set([...nodes(tree)].map(({ node }) => node.name));
  for (const fn of ['session_new', 'connection_remember', 'log_append']) assert.ok(names.has(fn), fn);
  for (const fn of ['cache_insert', 'pool_grow', 'format_header']) assert.ok(!names.has(fn), fn);
  // the never-freed tree, the default, has the cache
  assert.ok([...nodes(leakedFlameTree(sim))].some(({ node }) => node.name === 'cache_insert'));
  assert.throws(() => leakedFlameTree(sim, { weigh: 'leak-sites' }), /needs the profile's diagnosis/);
});
