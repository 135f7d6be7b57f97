/**
 * Only regular files are read and written. Every command that reads a recording refuses a FIFO
 * (whose read would wait for a writer for ever) and a directory in one line; every command that
 * writes refuses an output that is a FIFO, a directory or a device, touching nothing; a write
 * that fails leaves the file that was there and no temporary; symbolization never opens a
 * module path that is a FIFO.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { LhpWriter } from '../../src/format/writer';
import { CLI, runCli, tmpDir } from '../helpers/helpers';

const dir = tmpDir();
const demo = path.join(dir, 'demo.lhp');
const fifo = path.join(dir, 'a.fifo');
const script = path.join(dir, 'count.js');

/** A one-line refusal naming the path, exit 1. */
function assertRefused(r: { code: number | null; stderr: string }, file: string, what: RegExp, label: string): void {
  assert.equal(r.code, 1, `${label}: ${r.stderr}`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${label}: ${r.stderr}`);
  assert.ok(r.stderr.startsWith('leakhound: ') && r.stderr.includes(file), `${label}: ${r.stderr}`);
  assert.match(r.stderr, what, label);
}

before(() => {
  assert.equal(runCli(['simulate', '-o', demo, '--allocations', '5k']).code, 0);
  execFileSync('mkfifo', [fifo]);
  fs.writeFileSync(script, 'println(allocations().len())\n');
});

describe('inputs that are not regular files', () => {
  const commands = (input: string): [string, string[]][] => [
    ['analyze', ['analyze', input]],
    ['analyze --json', ['analyze', '--json', input]],
    ['report', ['report', input, '-o', path.join(dir, 'in.html')]],
    ['export', ['export', input, '-f', 'collapsed', '-o', path.join(dir, 'in.collapsed')]],
    ['script', ['script', script, input]],
    ['serve', ['serve', input, '--port', '0']],
  ];

  test('a FIFO with no writer is refused by every command that reads a recording, at once', () => {
    for (const [label, args] of commands(fifo))
      assertRefused(runCli(args), fifo, /cannot read .*: it is a FIFO, not a regular file/, label);
    assertRefused(
      runCli(['script', fifo, demo]),
      fifo,
      /cannot read .*: it is a FIFO, not a regular file/,
      'script <fifo>',
    );
    assert.ok(fs.statSync(fifo).isFIFO());
  });

  test('so is a directory', () => {
    for (const [label, args] of commands(dir))
      assertRefused(runCli(args), dir, /cannot read .*: it is a directory, not a regular file/, label);
  });

  test('a symlink to a recording is read as the recording', () => {
    const link = path.join(dir, 'link.lhp');
    fs.symlinkSync(demo, link);
    const r = runCli(['analyze', '--json', link]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { verdict: string }).verdict, 'leak');
  });

  test('a recording whose module path is a FIFO analyzes without opening it: its frames stay addresses', () => {
    const moduleFifo = path.join(dir, 'module.fifo');
    execFileSync('mkfifo', [moduleFifo]);
    const file = path.join(dir, 'module-fifo.lhp');
    const w = LhpWriter.create(file, { recorder: 'native', command: ['prog'], pid: 42 });
    w.thread(42, 'main');
    w.module(0x400000, 0x4a0000, moduleFifo);
    const stack = w.stack([w.frame({ function: '', module: moduleFifo, address: 0x401000 })]);
    for (let i = 0; i < 50; i++) w.alloc(i * 1_000, 0x10_000 + i * 64, 64, stack, 42);
    w.finish(50_000);
    w.close();
    const r = runCli(['analyze', '--json', file]);
    assert.equal(r.code, 0, r.stderr);
    const frame = (JSON.parse(r.stdout) as { groups: { frames: { function: string; address: number }[] }[] }).groups[0]
      .frames[0];
    assert.equal(frame.address, 0x401000);
    assert.ok(fs.statSync(moduleFifo).isFIFO());
  });
});

describe('outputs that are not regular files', () => {
  const writers = (output: string): [string, string[]][] => [
    ['report', ['report', demo, '-o', output]],
    ['export pprof', ['export', demo, '-f', 'pprof', '-o', output]],
    ['export speedscope', ['export', demo, '-f', 'speedscope', '-o', output]],
    ['export collapsed', ['export', demo, '-f', 'collapsed', '-o', output]],
    ['export parquet', ['export', demo, '-f', 'parquet', '-o', output]],
    ['simulate', ['simulate', '-o', output, '--allocations', '1k']],
    ['record', ['record', '-o', output, '--', 'true']],
    ['watch --record-to', ['watch', '--record-to', output, '--duration', '1s', '--', 'true']],
  ];

  test('a FIFO, a directory and a symlink to a FIFO are refused in one line, and left as they were', () => {
    const link = path.join(dir, 'to-fifo');
    fs.symlinkSync(fifo, link);
    const sub = path.join(dir, 'a-dir');
    fs.mkdirSync(sub);
    for (const [output, what] of [
      [fifo, /cannot write .*: it is a FIFO, not a regular file/],
      [link, /cannot write .*: it is a FIFO, not a regular file/],
      [sub, /cannot write .*: it is a directory, not a regular file/],
    ] as const) {
      for (const [label, args] of writers(output)) assertRefused(runCli(args), output, what, `${label} -o ${output}`);
    }
    assert.ok(fs.statSync(fifo).isFIFO());
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.deepEqual(fs.readdirSync(sub), []);
    // nothing written beside them either
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  // only once the FIFO has shown that the refusal comes before anything is opened
  test('/dev/null is refused alike and stays a device', () => {
    for (const [label, args] of writers('/dev/null'))
      assertRefused(runCli(args), '/dev/null', /it is a character device, not a regular file/, label);
    assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  });

  test('a symlink to a regular file is written through: the link stays', () => {
    const target = path.join(dir, 'target.html');
    const link = path.join(dir, 'link.html');
    fs.writeFileSync(target, 'old');
    fs.symlinkSync(target, link);
    const r = runCli(['report', demo, '-o', link]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
    assert.match(fs.readFileSync(target, 'utf8'), /^<!doctype html>/i);
  });

  test('a write that fails (the file size limit) leaves the file that was there, and no temporary', () => {
    const outputs: [string, string[]][] = [
      ['report', ['report', demo, '-o']],
      ['export speedscope', ['export', demo, '-f', 'speedscope', '-o']],
      ['export pprof', ['export', demo, '-f', 'pprof', '-o']],
      ['export parquet', ['export', demo, '-f', 'parquet', '-o']],
    ];
    const limited = path.join(dir, 'limited');
    fs.mkdirSync(limited);
    for (const [label, args] of outputs) {
      const output = path.join(limited, `out-${label.replace(/ /g, '-')}`);
      fs.writeFileSync(output, 'the previous one');
      // ulimit -f counts 1 KiB blocks: every one of these writes more than 1 KiB; node ignores SIGXFSZ and gets EFBIG
      const r = spawnSync('bash', ['-c', 'ulimit -f 1 && exec "$@"', 'bash', process.execPath, CLI, ...args, output], {
        encoding: 'utf8',
      });
      assertRefused({ code: r.status, stderr: r.stderr }, output, /cannot write .*: EFBIG$/m, label);
      assert.equal(fs.readFileSync(output, 'utf8'), 'the previous one', label);
    }
    assert.deepEqual(
      fs.readdirSync(limited).filter((f) => !f.startsWith('out-')),
      [],
    );
  });
});

describe('simulate --allocations', () => {
  test('an absurd count is a usage error naming the cap', () => {
    const output = path.join(dir, 'huge.lhp');
    for (const n of ['999999999999', '100000001', '1000M']) {
      const r = runCli(['simulate', '-o', output, '--allocations', n]);
      assert.equal(r.code, 2, `${n}: ${r.stderr}`);
      assert.match(r.stderr, /--allocations.*at most 100M/, n);
    }
    assert.equal(fs.existsSync(output), false);
  });
});
