import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnosis, GroupDiagnosis, UnattributedGrowth } from '../../../src/diagnose/diagnose';
import { externalHolders } from '../../../src/diagnose/external-holders';

const MiB = 1024 * 1024;

function group(
  stackId: number,
  verdict: GroupDiagnosis['verdict'],
  retainedBytes: number,
  functions: string[],
  file = '',
): GroupDiagnosis {
  return {
    verdict,
    stackId,
    frames: functions.map((f, i) => ({
      function: f,
      file: i === 0 ? file : '',
      line: i === 0 && file ? 25 : 0,
      module: '/usr/bin/node',
      address: 0,
    })),
    leakedBytes: 0,
    leakedCount: 0,
    retainedBytes,
    retainedCount: 1,
    totalBytes: retainedBytes,
    totalCount: 1,
    peakLiveBytes: retainedBytes,
    liveBytesAtEnd: retainedBytes,
    growthBytesPerSecond: verdict === 'bounded' || verdict === 'temporary' ? 0 : retainedBytes / 4,
    growthBytesPer1kAllocations: 0,
    confidence: 1,
    explanation: '',
    evidence: [],
  };
}

function native(groups: GroupDiagnosis[]): Diagnosis {
  return {
    verdict: 'leak',
    runtimeSeconds: 4,
    allocations: 1e6,
    groupCount: groups.length,
    groups,
    unattributed: [],
    warnings: [],
  };
}

function growth(series: string, verdict: UnattributedGrowth['verdict']): UnattributedGrowth {
  return {
    series,
    verdict,
    growthBytesPerSecond: verdict === 'leak' ? 15 * MiB : 0,
    startBytes: 4 * MiB,
    endBytes: 60 * MiB,
    explanation: `${series} grew`,
  };
}

const BUFFERS = [
  'node::NodeArrayBufferAllocator::Allocate(unsigned long)',
  'v8::internal::Heap::AllocateExternalBackingStore(std::function<void* (unsigned long)> const&, unsigned long)',
  'v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long)',
  'v8::internal::(anonymous namespace)::ConstructBuffer(v8::internal::Isolate*)',
];
const ADDON = ['remember_record', 'remember'];
const HEAP_PAGES = [
  'v8::internal::Page::AllocateFreeListCategories()',
  'v8::internal::PagedSpaceBase::InitializePage()',
];

test('growing external memory is held by the leaking sites that allocate backing stores, the largest first', () => {
  const heap = { ...group(3, 'unclear', 9 * MiB, HEAP_PAGES), v8Heap: true as const };
  const d = native([
    group(1, 'leak', 2 * MiB, ADDON, '/src/record-cache.c'),
    group(2, 'unclear', 52 * MiB, BUFFERS), // late in the native view: the JS series has shown it steady
    heap,
    group(4, 'leak-freed-at-exit', 1 * MiB, BUFFERS),
    group(5, 'bounded', 8 * MiB, BUFFERS),
  ]);
  const [external, buffers] = externalHolders([growth('external', 'leak'), growth('array-buffers', 'leak')], d);
  for (const u of [external, buffers]) {
    assert.deepEqual(
      u.heldBy.map((h) => [h.stackId, h.function, h.bytes, h.backingStore]),
      [
        [2, BUFFERS[3], 52 * MiB, true],
        [4, BUFFERS[3], 1 * MiB, true],
      ],
      `${u.series}: the backing stores that grow, not the addon's, the heap's or a bounded pool's`,
    );
    assert.match(
      u.explanation,
      /^\S+ grew; native allocation sites that keep it \(record --native\): v8::internal::ConstructBuffer 52\.0 MiB/,
    );
  }
});

test("without growing backing stores, external growth is held by the leaking sites (an addon's memory); array-buffers by none", () => {
  const d = native([
    group(1, 'leak', 10 * MiB, ADDON, '/src/record-cache.c'),
    group(2, 'unclear', 1 * MiB, ['CRYPTO_zalloc', 'asn1_item_embed_new']),
    { ...group(3, 'leak', 9 * MiB, HEAP_PAGES), v8Heap: true as const },
  ]);
  const [external, buffers] = externalHolders([growth('external', 'leak'), growth('array-buffers', 'unclear')], d);
  assert.deepEqual(
    external.heldBy.map((h) => [h.function, h.file, h.line, h.bytes, h.backingStore]),
    [['remember_record', '/src/record-cache.c', 25, 10 * MiB, false]],
  );
  assert.match(external.explanation, /remember_record \(\/src\/record-cache\.c:25\) 10\.0 MiB$/);
  assert.deepEqual(buffers.heldBy, []);
  assert.equal(buffers.explanation, 'array-buffers grew', 'unchanged when nothing holds it');
});

test('a series that does not grow is held by nothing, whatever leaks', () => {
  const d = native([group(1, 'leak', 50 * MiB, BUFFERS)]);
  for (const verdict of ['bounded', 'no-leak'] as const) {
    const [u] = externalHolders([growth('external', verdict)], d);
    assert.deepEqual(u.heldBy, [], verdict);
    assert.equal(u.explanation, 'external grew');
  }
});
