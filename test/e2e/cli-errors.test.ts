import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertOneLineFailure, runCli, tmpDir } from '../helpers/helpers';

const dir = tmpDir();
const file = (name: string): string => path.join(dir, name);

/** A recording made through the CLI, shared by the tests below. */
const demo = file('demo.lhp');
let demoBytes: Buffer | undefined;
function demoRecording(): Buffer {
  if (!demoBytes) {
    const r = runCli(['simulate', '-o', demo, '--allocations', '20k']);
    assert.equal(r.code, 0, r.stderr);
    demoBytes = fs.readFileSync(demo);
  }
  return demoBytes;
}

/** Bad inputs, each with the words its one line must contain. */
function badInputs(): [string, string, RegExp][] {
  const bytes = demoRecording();
  const headerEnd = 16 + bytes.readUInt32LE(12);
  const put = (name: string, data: Buffer | string): string => {
    fs.writeFileSync(file(name), data);
    return file(name);
  };
  const patched = (name: string, patch: (b: Buffer) => void): string => {
    const b = Buffer.from(bytes);
    patch(b);
    return put(name, b);
  };
  fs.mkdirSync(file('a-directory.lhp'), { recursive: true });
  return [
    ['empty file', put('empty.lhp', ''), /empty\.lhp is empty/],
    [
      'PNG image',
      put('image.lhp', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
      /not a leakhound profile/,
    ],
    ['text file', put('notes.lhp', 'hello, this is text\n'), /not a leakhound profile/],
    ['cut inside the header', put('header-cut.lhp', bytes.subarray(0, headerEnd - 3)), /truncated inside its header/],
    [
      'unknown record tag',
      patched('tag.lhp', (b) => (b[headerEnd] = 0x3f)),
      /corrupt at byte \d+: unknown record type 0x3f/,
    ],
    // the first record is a string: give it a length no record comes near
    [
      'impossible record length',
      patched('length.lhp', (b) => b.set([0xff, 0xff, 0xff, 0xff, 0x0f], headerEnd + 1)),
      /corrupt at byte \d+/,
    ],
    [
      'newer major version',
      patched('future.lhp', (b) => b.writeUInt16LE(2, 8)),
      /uses format 2\.\d+, newer than this leakhound reads .*upgrade leakhound/,
    ],
    [
      'zeros inside the records',
      patched('zeros.lhp', (b) => b.fill(0, headerEnd + 100, headerEnd + 200)),
      /is corrupt/,
    ],
    ['missing file', file('does-not-exist.lhp'), /cannot read .*does-not-exist\.lhp: no such file/],
    ['directory', file('a-directory.lhp'), /cannot read .*a-directory\.lhp: it is a directory, not a regular file/],
  ];
}

test('analyze: every bad input exits 1 with one `leakhound: ` line on stderr, nothing on stdout', () => {
  for (const [what, input, pattern] of badInputs()) {
    assertOneLineFailure(runCli(['analyze', input]), pattern, what);
  }
});

test('analyze --json: bad input fails the same way and prints no JSON', () => {
  for (const [what, input, pattern] of badInputs()) {
    assertOneLineFailure(runCli(['analyze', input, '--json']), pattern, `${what} (--json)`);
  }
});

test('a truncated recording is analyzed, with a warning line on stderr', () => {
  const bytes = demoRecording();
  const cut = file('killed.lhp');
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6) + 1));
  const r = runCli(['analyze', cut]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^(LEAK|NO LEAK|no leak)/i);
  assert.match(r.stdout, /allocation sites?/);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    /^leakhound: warning: .*killed\.lhp is truncated after byte \d+ \(the recorder was killed\?\): loaded every complete record before it$/,
  );
  assert.ok(!r.stderr.includes('    at '));
});

test('analyze --json on a truncated recording prints one JSON object with the warning inside', () => {
  const bytes = demoRecording();
  const cut = file('killed-json.lhp');
  fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6) + 1));
  const r = runCli(['analyze', cut, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one line of JSON');
  const out = JSON.parse(lines[0]);
  assert.ok(['leak', 'no-leak'].includes(out.verdict));
  assert.ok(Array.isArray(out.groups));
  assert.ok(Array.isArray(out.warnings));
  assert.ok(
    out.warnings.some((w: string) => /killed-json\.lhp is truncated after byte \d+/.test(w)),
    JSON.stringify(out.warnings),
  );
  assert.ok(!r.stderr.includes('    at '));
});

test('a recording without an end record is analyzed with a "no end record" warning', () => {
  const bytes = demoRecording();
  // the end record is the last one: tag 0x0c, a one-byte length, a short time delta
  const endAt = bytes.lastIndexOf(0x0c, bytes.length - 2);
  assert.ok(endAt > 0 && bytes[endAt + 1] === bytes.length - endAt - 2, 'the file ends with its end record');
  fs.writeFileSync(file('running.lhp'), bytes.subarray(0, endAt));
  const r = runCli(['analyze', file('running.lhp')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^leakhound: warning: .*running\.lhp has no end record: the recorder was killed or is still running/,
  );
});

test('usage errors exit 2 without a stack trace and without stdout', () => {
  const cases: [string, string[]][] = [
    ['unknown command', ['frobnicate']],
    ['no command', []],
    ['missing profile argument', ['analyze']],
    ['--top 0', ['analyze', demo, '--top', '0']],
    ['--top not a number', ['analyze', demo, '--top', 'many']],
    ['unknown option', ['analyze', demo, '--frobnicate']],
    ['simulate without -o', ['simulate']],
  ];
  demoRecording();
  for (const [what, args] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
    assert.equal(r.stdout, '', `${what}: stdout`);
    assert.ok(r.stderr.length > 0, `${what}: says what is wrong`);
    assert.ok(!r.stderr.includes('    at '), `${what}: stack trace`);
    if (args.length === 0) continue; // no command at all: the help is the answer
    // one line, and where to read more: not the whole help
    const command = ['analyze', 'simulate'].includes(args[0]) ? `${args[0]} ` : '';
    assert.deepEqual(
      r.stderr.trim().split('\n').slice(1),
      [`(see leakhound ${command}--help)`],
      `${what}: ${r.stderr}`,
    );
  }
});

test('simulate into a directory that does not exist exits 1 with one line', () => {
  const r = runCli(['simulate', '-o', '/nonexistent-dir/x.lhp', '--allocations', '1000']);
  assertOneLineFailure(
    r,
    /cannot write \/nonexistent-dir\/x\.lhp: no such file or directory/,
    'simulate -o /nonexistent-dir',
  );
});

test('--fail-on-leak exits 3 on a leaking recording, and still prints the analysis', () => {
  demoRecording();
  const text = runCli(['analyze', demo, '--fail-on-leak']);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /^LEAK/);
  const json = runCli(['analyze', demo, '--json', '--fail-on-leak']);
  assert.equal(json.code, 3, json.stderr);
  assert.equal(JSON.parse(json.stdout).verdict, 'leak');
});
