/**
 * Names in a recording are data a program chose: an escape sequence in a function, file,
 * module or command name must not reach the terminal (clear it, recolour or retitle it, forge
 * a line). Text output has them stripped; JSON keeps the exact names.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LhpWriter } from '../../../src/format/writer';
import { terminalText } from '../../../src/render/terminal-text';
import { runCli, tmpDir } from '../../helpers/helpers';

const dir = tmpDir();
/** Clear the screen, red, an OSC window title, a bell, a carriage return, a C1 CSI, DEL, a tab. */
const NASTY = '\x1b[2J\x1b[31mFAKE: NO LEAK\x1b[0m\x1b]0;pwned-title\x07\r\u009b31m\x7f\t';
/** Control characters but the newline: what must not be printed. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the output must not have
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('terminalText removes escape sequences whole and every control character but the newline', () => {
  assert.equal(terminalText(`fn${NASTY}end`), 'fnFAKE: NO LEAKend');
  assert.equal(terminalText('line one\nline two'), 'line one\nline two');
  assert.equal(terminalText('ünïcode ✓ 日本'), 'ünïcode ✓ 日本');
  assert.doesNotMatch(terminalText(String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))), CONTROL);
});

test('analyze prints names with escape codes as plain text; --json keeps them exactly', () => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a file name without the control characters
  const file = path.join(dir, `ansi${NASTY.replace(/[\x00-\x1f\x7f\u009b/]/g, '_')}.lhp`);
  const w = LhpWriter.create(file, { recorder: 'native', command: [`prog${NASTY}`, `--arg${NASTY}`], pid: 7 });
  w.thread(7, `thread${NASTY}`);
  w.process(7, 1, `prog${NASTY}`);
  const stack = w.stack([
    w.frame({ function: `fn${NASTY}`, file: `f${NASTY}.c`, line: 3, module: `/lib${NASTY}.so`, address: 0x1000 }),
  ]);
  for (let i = 0; i < 50; i++) w.alloc(i * 1_000_000, 0x10_000 + i * 64, 64, stack, 7);
  w.finish(50_000_000);
  w.close();
  fs.writeFileSync(`${file.slice(0, -'.lhp'.length)}.8.lhp`, 'not a recording'); // a sibling that fails: a warning

  const text = runCli(['analyze', file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /fnFAKE: NO LEAK \(fFAKE: NO LEAK\.c:3\)/);
  assert.doesNotMatch(text.stdout, CONTROL);
  assert.match(text.stderr, /^leakhound: warning: /m);
  assert.doesNotMatch(text.stderr, CONTROL);

  const json = runCli(['analyze', '--json', file]);
  assert.equal(json.code, 0, json.stderr);
  const frame = (JSON.parse(json.stdout) as { groups: { frames: { function: string; file: string }[] }[] }).groups[0]
    .frames[0];
  assert.equal(frame.function, `fn${NASTY}`);
  assert.equal(frame.file, `f${NASTY}.c`);
});

test('an error naming a path with escape codes prints it as plain text', () => {
  const r = runCli(['analyze', path.join(dir, `missing${NASTY}.lhp`)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^leakhound: .*missingFAKE: NO LEAK\.lhp/);
  assert.doesNotMatch(r.stderr, CONTROL);
});
