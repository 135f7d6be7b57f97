import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadSync } from '../../../src/api/load';
import { Graph } from '../../../src/api/graph';
import { scriptApi } from '../../../src/script/script-api';
import { simulate } from '../../../src/simulate/simulate';
import { ROOT, runCli, tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
before(() => simulate({ output: demo, allocations: 100_000, seed: 1 }));

/** The `Total: n` / `Never freed: n` / … blocks the case study prints, one per group analyzed, keyed by the group's allocating function. */
function blocks(stdout: string): Map<string, Record<string, number>> {
  const found = new Map<string, Record<string, number>>();
  for (const block of stdout.split(/\n(?=Total: )/)) {
    const numbers: Record<string, number> = {};
    for (const m of block.matchAll(/^([A-Za-z0-9% ]+): (\d+)$/gm)) numbers[m[1]] = Number(m[2]);
    const frames = [...block.matchAll(/^#\d+ (\S+)/gm)].map((m) => m[1]);
    if (frames.length) found.set(frames.at(-1)!, numbers);
  }
  return found;
}

/** A chart's title, area labels and legend entries, as chartSvg writes them. */
const titleOf = (svg: string) => /<text class="lh-title"[^>]*>([^<]*)<\/text>/.exec(svg)?.[1];
const areas = (svg: string) => [...svg.matchAll(/class="lh-area" data-label="([^"]+)"/g)].map((m) => m[1]);
const legend = (svg: string) =>
  [...svg.matchAll(/class="lh-legend-item"[^>]*>.*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('leakhound script: the case study of seed 004, verbatim in the query API', () => {
  test('runs on simulate output and reaches the case study conclusions', () => {
    const graphs = path.join(dir, 'graphs');
    const r = runCli(['script', path.join(ROOT, 'examples', 'case-study.ts'), demo, '--output-dir', graphs]);
    assert.equal(r.code, 0, r.stderr);
    const found = blocks(r.stdout);
    const p = loadSync(demo);
    const site = (fn: string) => p.allocations().onlyPassingThroughFunction(`^${fn}$`);

    // a clear-cut leak: every allocation from the backtrace was never freed
    const session = found.get('session_new')!;
    assert.ok(session, r.stdout);
    assert.equal(session.Total, session['Never freed']);
    assert.equal(session.Total, site('session_new').len());
    // bounded: only part of it leaked (an LRU cache); the pool reached its high-water mark
    const cache = found.get('cache_insert')!;
    assert.ok(cache['Never freed'] > 0 && cache['Never freed'] < cache.Total, JSON.stringify(cache));
    assert.equal(cache['Never freed'], site('cache_insert').onlyLeaked().len());
    assert.ok(found.has('pool_grow'));
    // step three: freed, but only at the very end
    const connections = found.get('connection_remember')!;
    assert.equal(connections['Deallocated after 98%'], connections.Total);
    assert.ok(connections.Total > 0);
    assert.match(r.stdout, /^Other groups living until the end: 0$/m);

    // the last graph has no group to draw: not written, and stderr says which and why
    const files = fs.readdirSync(graphs).sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10));
    assert.deepEqual(
      files,
      Array.from({ length: 11 }, (_, i) => `graph-${i + 1}.svg`),
    );
    for (let i = 1; i <= 11; i++)
      assert.match(r.stderr, new RegExp(`^leakhound: graph ${i}: .*graph-${i}\\.svg$`, 'm'));
    assert.match(
      r.stderr,
      /^leakhound: graph 12 \("Other groups living until the end"\) not written: it has no series \(nothing was added, or only an empty group list\)$/m,
    );
    // step two's graph: its title, and Never freed stacked under Freed, as bytehound draws it
    const leakedVsAll = fs.readFileSync(path.join(graphs, 'graph-2.svg'), 'utf8');
    assert.deepEqual(titleOf(leakedVsAll), 'Never freed, stacked under everything else');
    assert.deepEqual(areas(leakedVsAll), ['Never freed', 'Freed']);
    assert.deepEqual(legend(leakedVsAll), ['Never freed', 'Freed']);
    // the groups' graph: one area per never-freed group, labelled by its site as the report names it
    const byGroup = fs.readFileSync(path.join(graphs, 'graph-3.svg'), 'utf8');
    assert.equal(titleOf(byGroup), 'Never freed, by backtrace');
    const labels = areas(byGroup);
    assert.equal(labels.length, p.allocations().onlyLeaked().groupByBacktrace().len());
    assert.deepEqual(legend(byGroup), labels);
    assert.ok(
      labels.includes('session_new (session.c:57)') && labels.includes('cache_insert (lru.c:102)'),
      labels.join(', '),
    );
    for (const file of files) assert.doesNotMatch(fs.readFileSync(path.join(graphs, file), 'utf8'), /Series \d/, file);
  });

  test('a graph without a title is titled by its series; an empty one is not written, and the script is told why', () => {
    const script = path.join(dir, 'empty-graphs.ts');
    const out = path.join(dir, 'empty-graphs');
    const none = 'allocations().onlyLargerThan(1e15)';
    fs.writeFileSync(
      script,
      [
        `graph().add('Never freed', allocations().onlyLeaked()).add('Freed', allocations()).save();`,
        `graph().save();`,
        `graph().title('Huge').add('Huge', ${none}).save(${JSON.stringify(path.join(out, 'huge.svg'))});`,
        `graph().add('Huge', ${none}).add('Also huge', ${none}).save();`,
        `graph().add('All', allocations()).save();`,
      ].join('\n'),
    );
    const r = runCli(['script', script, demo, '--output-dir', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['graph-1.svg', 'graph-4.svg']);
    assert.equal(titleOf(fs.readFileSync(path.join(out, 'graph-1.svg'), 'utf8')), 'Never freed and Freed');
    assert.equal(titleOf(fs.readFileSync(path.join(out, 'graph-4.svg'), 'utf8')), 'All');
    const said = r.stderr.split('\n').filter((l) => l.includes('not written'));
    assert.deepEqual(said, [
      'leakhound: graph 2 not written: it has no series (nothing was added, or only an empty group list)',
      `leakhound: ${path.join(out, 'huge.svg')} ("Huge") not written: every series is empty: "Huge" holds no allocations`,
      'leakhound: graph 3 ("Huge and Also huge") not written: every series is empty: "Huge" holds no allocations; "Also huge" holds no allocations',
    ]);
  });

  test('outside a script, saving an empty graph is a one-line error and writes nothing', () => {
    const file = path.join(dir, 'library-empty.svg');
    const graph: Graph = loadSync(demo).graph();
    assert.throws(
      () => graph.title('Nothing yet').save(file),
      /^Error: graph "Nothing yet" not written: it has no series/,
    );
    assert.ok(!fs.existsSync(file));
  });

  test('a script may export a function taking the API, sync or async; graph().save() writes PNG too', () => {
    const script = path.join(dir, 'export.js');
    const png = path.join(dir, 'leaked.png');
    fs.writeFileSync(
      script,
      `module.exports = async function (api) {
         await new Promise((r) => setTimeout(r, 10));
         api.println('leaked {} of {}', api.allocations().onlyLeaked().len(), api.data().allocations);
         api.graph().add('Leaked', api.allocations().onlyLeaked()).save(${JSON.stringify(png)});
         api.println('verdict', api.diagnose().verdict, api.argv.join(','));
       };`,
    );
    const r = runCli(['script', script, demo, 'a', 'b']);
    assert.equal(r.code, 0, r.stderr);
    const p = loadSync(demo);
    assert.equal(
      r.stdout,
      `leaked ${p.allocations().onlyLeaked().len()} of ${p.data().allocations}\nverdict leak a,b\n`,
    );
    const bytes = fs.readFileSync(png);
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    assert.equal(bytes.readUInt32BE(16), 800, 'IHDR width: the chart width');
  });

  test('a failing script: one line with the script line, exit 1; a missing script or profile: one line', () => {
    const script = path.join(dir, 'fails.ts');
    fs.writeFileSync(script, "const n: number = allocations().len();\nprintln('{}', n);\nallocations().get(n);\n");
    const r = runCli(['script', script, demo]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^leakhound: .*fails\.ts: line 3: index \d+ is outside a list of \d+\n$/);
    const missing = runCli(['script', path.join(dir, 'nope.ts'), demo]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^leakhound: no script .*nope\.ts\n$/);
    const noProfile = runCli(['script', script, path.join(dir, 'nope.lhp')]);
    assert.equal(noProfile.code, 1);
    assert.match(noProfile.stderr, /^leakhound: .*nope\.lhp.*\n$/);
  });

  test('script.d.ts, the globals for an editor, declares each verb a script gets, with its type', () => {
    const declarations = fs.readFileSync(path.join(ROOT, 'script.d.ts'), 'utf8');
    const declared = [...declarations.matchAll(/^ *var (\w+): ScriptApi\['(\w+)'\];$/gm)];
    assert.ok(
      declared.every(([, name, verb]) => name === verb),
      'each global is typed as its own verb',
    );
    const api = scriptApi(loadSync(demo), { outputDir: dir, argv: [], out: () => {}, note: () => {} });
    assert.deepEqual(declared.map(([, name]) => name).sort(), Object.keys(api).sort());
  });
});
