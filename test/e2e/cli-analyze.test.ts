import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PATTERNS } from '../../src/simulate/scenario';
import { runCli, tmpDir } from '../helpers/helpers';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');

test('simulate then analyze, as the README says', () => {
  const sim = runCli(['simulate', '-o', demo]);
  assert.equal(sim.code, 0, sim.stderr);
  assert.match(sim.stderr, /wrote .*demo\.lhp: [\d,]+ allocations/);

  const text = runCli(['analyze', demo]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^LEAK: 4 of 9 allocation sites retain growing memory/);
  assert.match(text.stdout, /session_new \(src\/session\.c:57\)/);
  assert.match(text.stdout, /called from handle_login \(src\/handlers\/login\.c:88\)/);
  // the table ranks the never-freed leaks first
  const rows = text.stdout.split('\n').filter((l) => /^\s*\d+\s{2}/.test(l));
  assert.deepEqual(
    rows.slice(0, 3).map((r) => r.trim().split(/\s+/)[1]),
    ['leak', 'leak', 'leak'],
  );
});

test('analyze --json keeps the contract: one object, verdicts, leakedBytes, frames innermost first without allocator frames', () => {
  const r = runCli(['analyze', demo, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]);
  assert.equal(out.verdict, 'leak');
  assert.ok(Array.isArray(out.groups) && out.groups.length === 9);
  for (const g of out.groups) {
    assert.ok(['leak', 'leak-freed-at-exit', 'bounded', 'temporary', 'unclear'].includes(g.verdict));
    assert.equal(typeof g.leakedBytes, 'number');
    for (const f of g.frames) {
      assert.equal(typeof f.function, 'string');
      assert.equal(typeof f.file, 'string');
      assert.equal(typeof f.line, 'number');
    }
    assert.ok(
      !g.frames.some((f: { function: string }) =>
        /^(malloc|calloc|realloc|operator new|xmalloc|_start|clone3)$/.test(f.function),
      ),
    );
  }
  for (const p of PATTERNS) {
    const g = out.groups.find((x: { frames: { function: string }[] }) => x.frames[0].function === p.culprit);
    assert.equal(g?.verdict, p.expected, p.name);
  }
  const linear = out.groups.find((x: { frames: { function: string }[] }) => x.frames[0].function === 'session_new');
  assert.ok(linear.leakedBytes > 0);
  assert.equal(out.groups[0].verdict, 'leak');
});

test('--top limits the groups; --fail-on-leak exits 3', () => {
  const top = JSON.parse(runCli(['analyze', demo, '--json', '--top', '2']).stdout);
  assert.equal(top.groups.length, 2);
  assert.equal(top.groupCount, 9);
  const text = runCli(['analyze', demo, '--top', '1']);
  assert.match(text.stdout, /8 more groups/);
  assert.equal(runCli(['analyze', demo, '--fail-on-leak']).code, 3);
});

test('a recording without leaks passes --fail-on-leak', () => {
  // churn only, written through the public writer of the built package
  const file = path.join(dir, 'clean.lhp');
  const script = `
    const { LhpWriter } = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'dist', 'index.js'))});
    const w = LhpWriter.create(${JSON.stringify(file)}, { recorder: 'test' });
    const s = w.stack([w.frame({ function: 'malloc' }), w.frame({ function: 'work', file: 'w.c', line: 3 })]);
    for (let i = 0; i < 10000; i++) { w.alloc(i * 1000, 0x1000 + (i % 4) * 64, 48, s, 1); w.free(i * 1000 + 700, 0x1000 + (i % 4) * 64); }
    w.finish(10000 * 1000); w.close();`;
  assert.equal(spawnSync(process.execPath, ['-e', script]).status, 0);
  const r = runCli(['analyze', file, '--fail-on-leak']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^NO LEAK/);
});

test('simulate is deterministic: the same seed gives the same analysis', () => {
  const again = path.join(dir, 'again.lhp');
  assert.equal(runCli(['simulate', '-o', again]).code, 0);
  // the file's own path (source, each group's profile) is all that may differ
  const analysis = (file: string) =>
    runCli(['analyze', file, '--json']).stdout.replaceAll(JSON.stringify(file), '"<file>"');
  assert.equal(analysis(again), analysis(demo));
  const other = path.join(dir, 'seed7.lhp');
  assert.equal(runCli(['simulate', '-o', other, '--seed', '7', '--allocations', '50k']).code, 0);
  assert.notEqual(analysis(other), analysis(demo));
});

test('help lists the commands and exits 0', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /analyze/);
  assert.match(r.stdout, /simulate/);
});
