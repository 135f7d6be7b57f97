import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadSync } from '../../../src/api/load';
import { scriptApi } from '../../../src/script/script-api';
import { simulate } from '../../../src/simulate/simulate';
import { ROOT, runCli, tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
before(() => simulate({ output: demo, allocations: 100_000, seed: 1 }));

/** The `Total: n` / `Leaked: n` / … blocks the case study prints, one per group analyzed, keyed by the group's allocating function. */
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

describe('leakhound script: the case study of seed 004, verbatim in the query API', () => {
  test('runs on simulate output and reaches the case study conclusions', () => {
    const graphs = path.join(dir, 'graphs');
    const r = runCli(['script', path.join(ROOT, 'examples', 'case-study.ts'), demo, '--output-dir', graphs]);
    assert.equal(r.code, 0, r.stderr);
    const found = blocks(r.stdout);
    const p = loadSync(demo);
    const site = (fn: string) => p.allocations().onlyPassingThroughFunction(`^${fn}$`);

    // a clear-cut leak: every allocation from the backtrace was leaked
    const session = found.get('session_new')!;
    assert.ok(session, r.stdout);
    assert.equal(session.Total, session.Leaked);
    assert.equal(session.Total, site('session_new').len());
    // bounded: only part of it leaked (an LRU cache); the pool reached its high-water mark
    const cache = found.get('cache_insert')!;
    assert.ok(cache.Leaked > 0 && cache.Leaked < cache.Total, JSON.stringify(cache));
    assert.equal(cache.Leaked, site('cache_insert').onlyLeaked().len());
    assert.ok(found.has('pool_grow'));
    // step three: freed, but only at the very end
    const connections = found.get('connection_remember')!;
    assert.equal(connections['Deallocated after 98%'], connections.Total);
    assert.ok(connections.Total > 0);
    assert.match(r.stdout, /^Other groups living until the end: 0$/m);

    const files = fs.readdirSync(graphs).sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10));
    assert.deepEqual(
      files,
      Array.from({ length: 12 }, (_, i) => `graph-${i + 1}.svg`),
    );
    for (let i = 1; i <= 12; i++)
      assert.match(r.stderr, new RegExp(`^leakhound: graph ${i}: .*graph-${i}\\.svg$`, 'm'));
    // step two's graph: Leaked stacked under Temporary, as bytehound draws it
    const leakedVsAll = fs.readFileSync(path.join(graphs, 'graph-2.svg'), 'utf8');
    assert.deepEqual(
      [...leakedVsAll.matchAll(/class="lh-area" data-label="([^"]+)"/g)].map((m) => m[1]),
      ['Leaked', 'Temporary'],
    );
    // the groups' graph: one area per leaked group, labelled by its allocating function
    const byGroup = fs.readFileSync(path.join(graphs, 'graph-3.svg'), 'utf8');
    const labels = [...byGroup.matchAll(/class="lh-area" data-label="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(labels.length, p.allocations().onlyLeaked().groupByBacktrace().len());
    assert.ok(labels.includes('session_new') && labels.includes('cache_insert'), labels.join(', '));
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
