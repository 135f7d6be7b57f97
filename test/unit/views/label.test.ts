/** Every view names a site the same way, and uniquely among the sites it shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupDiagnosis } from '../../../src/diagnose/diagnose';
import { Backtrace } from '../../../src/profile/backtrace';
import { label, labels, siteCell, siteOf } from '../../../src/views/label';

const frame = (fn: string, line: number) => ({ function: fn, file: `/src/${fn}.c`, line, module: '', address: 0 });
const group = (stackId: number, ...frames: GroupDiagnosis['frames']) => ({ stackId, frames }) as GroupDiagnosis;
const noSymbol = {
  function: '',
  file: '',
  line: 0,
  module: '/opt/lib/libstore.so',
  address: 0x7f00111e,
  offset: 0x111e,
};
const threadStart = '(start-up code only: start_thread in libc.so.6)';

test('labels: function and file:line; callers only where two sites would read alike', () => {
  const shown = [
    group(0, frame('parse_request', 41), frame('handle', 10), frame('main', 3)),
    group(1, frame('parse_request', 41), frame('reload', 20), frame('main', 3)),
    group(2, frame('cache_put', 7), frame('handle', 11)),
  ];
  assert.deepEqual(labels(shown), [
    'parse_request (parse_request.c:41) < handle',
    'parse_request (parse_request.c:41) < reload',
    'cache_put (cache_put.c:7)',
  ]);
  assert.equal(label(shown[0]), 'parse_request (parse_request.c:41)', 'alone, a site is its own frame');
});

test('a site without a symbol names its module and offset; one without a program frame says why', () => {
  const stripped = group(0, noSymbol, frame('main', 3));
  const frameless = { ...group(1), frameless: threadStart };
  assert.deepEqual(labels([stripped, frameless]), ['(no symbols: libstore.so+0x111e)', threadStart]);
  assert.equal(label(group(2)), '(no stack captured)', 'a group made without a diagnosis');
  // the web UI's table cell is the same name
  assert.deepEqual(siteCell(stripped), { function: '(no symbols: libstore.so+0x111e)', file: '', line: 0 });
  assert.deepEqual(siteCell(frameless), { function: threadStart, file: '', line: 0 });
  // two unsymbolized sites in the same function are told apart by their callers
  assert.deepEqual(labels([group(3, noSymbol, frame('main', 3)), group(4, noSymbol, frame('reload', 20))]), [
    '(no symbols: libstore.so+0x111e) < main',
    '(no symbols: libstore.so+0x111e) < reload',
  ]);
});

test("siteOf: a query group's backtrace names its site as a diagnosis does", () => {
  const libc = (fn: string) => ({ function: fn, file: '', line: 0, module: '/lib/libc.so.6', address: 0 });
  assert.equal(
    label(siteOf(new Backtrace([libc('malloc'), frame('main', 3), libc('__libc_start_main')]))),
    'main (main.c:3)',
  );
  assert.equal(label(siteOf(new Backtrace([libc('start_thread'), libc('clone3')]))), threadStart);
  assert.equal(label(siteOf(new Backtrace([]))), '(no stack captured)');
});
