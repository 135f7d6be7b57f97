/** Which frames count as the allocator's (stripped from a backtrace's inner end) and the runtime's (from its outer end). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { diagnose } from '../../../src/diagnose/diagnose';
import { LhpWriter } from '../../../src/format/writer';
import { Backtrace } from '../../../src/profile/backtrace';
import { V8_BUILTIN_MODULE } from '../../../src/format/constants';
import { framelessName } from '../../../src/profile/frameless';
import { Frame, frameName, isAllocatorFrame, isRuntimeFrame } from '../../../src/profile/frames';
import { loadSync } from '../../../src/api/load';
import { diagnoseRecording } from '../../../src/diagnose/recording';
import { recordingParts } from '../../../src/api/recording';
import { diagnosisJson } from '../../../src/render/json';
import { diagnosisText } from '../../../src/render/text';
import { tmpDir } from '../../helpers/helpers';

const frame = (fn: string, module = '') => ({ function: fn, file: '', line: 0, module, address: 0 });

test("malloc and its thin wrappers, language VMs' included, are the allocator's; the code calling them is not", () => {
  const allocator = [
    'malloc',
    'operator new',
    'xmalloc',
    'g_malloc0',
    'Perl_safesysmalloc',
    'PyMem_Malloc',
    'PyObject_Realloc',
    '_PyObject_Malloc',
    'ruby_xmalloc2',
    'MVM_malloc',
    '__rust_alloc',
  ];
  // as heaptrack names them: demangled with parameters, glibc's internal aliases
  allocator.push(
    'operator new(unsigned long)',
    'operator new[](unsigned long, std::nothrow_t const&)',
    '__GI___strdup',
    '__strndup',
  );
  for (const fn of allocator) assert.ok(isAllocatorFrame(frame(fn)), fn);
  const program = ['Perl_more_sv', 'PyList_Append', 'MVM_string_concatenate', 'session_new', 'malloc_trim_pool'];
  for (const fn of program) assert.ok(!isAllocatorFrame(frame(fn)), fn);
  assert.ok(
    isAllocatorFrame(frame('anything', '/opt/dist/recorders/native/libleakhound.so')),
    "the recorder's own frames",
  );
});

const js = (fn: string, file: string, line = 1) => ({ function: fn, file, line, module: '', address: 0 });

test("Node's own JS, V8's builtins and its pseudo frames are noise at both ends; the program's JS is not", () => {
  const nodeOwn = [
    js('Timeout', 'node:internal/timers'),
    js('setInterval', 'node:timers'),
    js('EventEmitter.emit', 'node:events'),
    js('allocate', 'node:buffer'),
  ];
  const pseudo = [js('(root)', '', 0), js('(program)', '', 0), js('(V8 API)', '', 0), js('(GC)', '', 0)];
  const builtins = [
    { ...js('push', '', 0), module: V8_BUILTIN_MODULE },
    { ...js('repeat', '', 0), module: V8_BUILTIN_MODULE },
  ];
  for (const f of [...nodeOwn, ...pseudo, ...builtins]) {
    assert.ok(isAllocatorFrame(f), `inner end: ${f.function} (${f.file})`);
    assert.ok(isRuntimeFrame(f), `outer end: ${f.function} (${f.file})`);
  }
  const program = [
    js('startPolling', '/app/poll.js', 3),
    js('(anonymous)', '/app/index.js', 9),
    js('(anonymous)', ''),
    js('nodeish', '/app/node:odd.js'),
  ];
  for (const f of program) assert.ok(!isAllocatorFrame(f) && !isRuntimeFrame(f), `${f.function} (${f.file})`);
});

test('a leak through setInterval shows the function that called setInterval first; one through push, the caller of push', () => {
  const bt = new Backtrace([
    js('Timeout', 'node:internal/timers', 50),
    js('setInterval', 'node:timers', 210),
    js('startPolling', '/app/poll.js', 3),
    js('(anonymous)', '/app/index.js', 1),
    js('Module._compile', 'node:internal/modules/cjs/loader', 1350),
    js('Module.load', 'node:internal/modules/cjs/loader', 1200),
    js('executeUserEntryPoint', 'node:internal/modules/run_main', 120),
    js('(root)', '', 0),
  ]);
  assert.deepEqual(
    bt.strip().frames.map((f) => `${f.function} ${f.file}`),
    ['startPolling /app/poll.js', '(anonymous) /app/index.js'],
  );
  const callback = new Backtrace([
    { ...js('push', '', 0), module: V8_BUILTIN_MODULE },
    js('remember', '/app/cache.js', 7),
    js('listOnTimeout', 'node:internal/timers', 580),
    js('processTimers', 'node:internal/timers', 520),
    js('(root)', '', 0),
  ]);
  assert.deepEqual(
    callback.strip().frames.map((f) => f.function),
    ['remember'],
  );
});

test('a backtrace of nothing but Node and V8 frames strips to no frames, and a diagnosis of it says why', () => {
  assert.deepEqual(new Backtrace([js('(V8 API)', '', 0), js('(root)', '', 0)]).strip().frames, []);
  assert.deepEqual(
    new Backtrace([
      js('processTicksAndRejections', 'node:internal/process/task_queues', 95),
      js('(root)', '', 0),
    ]).strip().frames,
    [],
  );

  const file = path.join(tmpDir(), 'node-only.lhp');
  const w = LhpWriter.create(file, { recorder: 'node' });
  const internal = w.stack([w.frame(js('(V8 API)', '', 0)), w.frame(js('(root)', '', 0))]);
  for (let i = 0; i < 2_000; i++) w.alloc(i * 1e6, i + 1, 64, internal, 1, 512 * 1024);
  w.finish(2_000 * 1e6);
  w.close();
  const d = diagnose(loadSync(file));
  assert.equal(d.groups.length, 1);
  assert.deepEqual(d.groups[0].frames, []);
  assert.match(diagnosisText(d, file, 10), / {2}\(no JS on the stack: V8 API\)$/m);
  const json = JSON.parse(JSON.stringify(diagnosisJson(diagnoseRecording(recordingParts(file)), file, 10)));
  assert.deepEqual(json.groups[0].frames, []);
  assert.equal(json.groups[0].frameless, '(no JS on the stack: V8 API)');
});

test('a stack with no frame of the program is named for why, and where it allocated', () => {
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const cases: [Frame[], string][] = [
    [[], '(no stack captured)'],
    [
      [js('insert', 'node:internal/timers', 9), js('processTimers', 'node:internal/timers', 520), js('(root)', '', 0)],
      '(Node.js internals only: node:internal/timers)',
    ],
    [[js('(root)', '', 0), js('(GC)', '', 0)], '(no JS on the stack: GC)'],
    [[js('(root)', '', 0)], '(no JS on the stack: root)'],
    [
      [frame('malloc', libc), frame('start_thread', libc), frame('clone3', libc)],
      '(start-up code only: start_thread in libc.so.6)',
    ],
    [[frame('__GI___strdup', libc), frame('malloc', libc)], '(stack ends in the allocator: malloc in libc.so.6)'],
  ];
  for (const [frames, name] of cases) {
    assert.deepEqual(new Backtrace(frames).strip().frames, [], name);
    assert.equal(framelessName(frames), name);
  }
});

test('stacks with no frame of the program are one site per reason, each diagnosed under its name', () => {
  const file = path.join(tmpDir(), 'frameless-sites.lhp');
  const w = LhpWriter.create(file, { recorder: 'native' });
  const libc = '/lib/x86_64-linux-gnu/libc.so.6';
  const thread = w.stack([w.frame(frame('start_thread', libc)), w.frame(frame('clone3', libc))]);
  const thread2 = w.stack([w.frame(frame('malloc', libc)), w.frame(frame('start_thread', libc))]);
  const lost = w.stack([w.frame(frame('operator new', '/usr/lib/libstdc++.so.6'))]);
  for (let i = 0; i < 300; i++) for (const s of [thread, thread2, lost]) w.alloc(i * 1e6, 3 * i + s, 64, s, 1);
  w.finish(300 * 1e6);
  w.close();
  const names = diagnose(loadSync(file)).groups.map((g) => g.frameless);
  assert.deepEqual(names.sort(), [
    '(stack ends in the allocator: operator new in libstdc++.so.6)',
    '(start-up code only: start_thread in libc.so.6)',
  ]);
});

test('a native frame without a symbol is named by its module and offset, the same in every run', () => {
  const file = path.join(tmpDir(), 'no-symbols.lhp');
  const w = LhpWriter.create(file, { recorder: 'native' });
  w.module(0x7f0000000000, 0x7f0000010000, '/gone/libodd.so');
  const stack = w.stack([
    w.frame({ function: '', address: 0x7f000000111e }),
    w.frame({ function: '', address: 0x5000 }),
  ]);
  w.alloc(0, 0x1000, 64, stack, 1);
  w.finish(10);
  w.close();
  const profile = loadSync(file);
  const [inLibrary, nowhere] = profile.backtrace(stack).frames;
  assert.equal(inLibrary.offset, 0x111e);
  assert.equal(frameName(inLibrary), 'libodd.so+0x111e');
  assert.equal(frameName(nowhere), '0x5000', 'in no module: the address');
  assert.match(profile.info.warnings.join('\n'), /no symbols from \/gone\/libodd\.so/);
});
