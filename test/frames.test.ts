/** Which frames count as the allocator's (stripped from a backtrace's inner end). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllocatorFrame } from '../src/profile/frames';

const frame = (fn: string, module = '') => ({ function: fn, file: '', line: 0, module, address: 0 });

test('malloc and its thin wrappers, language VMs\' included, are the allocator\'s; the code calling them is not', () => {
  const allocator = ['malloc', 'operator new', 'xmalloc', 'g_malloc0', 'Perl_safesysmalloc', 'PyMem_Malloc', 'PyObject_Realloc', '_PyObject_Malloc', 'ruby_xmalloc2', 'MVM_malloc', '__rust_alloc'];
  for (const fn of allocator) assert.ok(isAllocatorFrame(frame(fn)), fn);
  const program = ['Perl_more_sv', 'PyList_Append', 'MVM_string_concatenate', 'session_new', 'malloc_trim_pool'];
  for (const fn of program) assert.ok(!isAllocatorFrame(frame(fn)), fn);
  assert.ok(isAllocatorFrame(frame('anything', '/opt/dist/recorders/native/libleakhound.so')), 'the recorder\'s own frames');
});
