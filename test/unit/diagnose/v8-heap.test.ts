import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backingStoreCaller, isV8Heap } from '../../../src/diagnose/v8-heap';

/** Stacks as a native recording of node 20 (Debian) gives them, innermost first, parameters cut for brevity. */
const stack = (...names: string[]) => names.map((name) => ({ function: name }));

test("V8's heap machinery is the heap: page metadata, chunks, the collector's work lists, the heap profiler", () => {
  for (const s of [
    stack(
      'v8::internal::Page::AllocateFreeListCategories()',
      'v8::internal::PagedSpaceBase::InitializePage(v8::internal::MemoryChunk*)',
      'v8::internal::Page::ConvertNewToOld(v8::internal::Page*)',
    ),
    stack(
      'v8::internal::MemoryChunk::MemoryChunk(v8::internal::Heap*, v8::internal::BaseSpace*)',
      'v8::internal::Page::Page(v8::internal::Heap*)',
      'v8::internal::MemoryAllocator::AllocatePage(v8::internal::MemoryAllocator::AllocationMode)',
    ),
    stack(
      'std::__detail::_Map_base<v8::internal::MemoryChunk*, std::pair<v8::internal::MemoryChunk* const, v8::internal::MemoryChunkData>>::operator[](v8::internal::MemoryChunk* const&)',
      'v8::internal::ConcurrentMarking::RunMajor(v8::JobDelegate*)',
    ),
    stack(
      'heap::base::Worklist<v8::internal::HeapObject, (unsigned short)64>::Local::PublishPushSegment()',
      'void v8::internal::MarkingVisitorBase<v8::internal::ConcurrentMarkingVisitor, v8::internal::ConcurrentMarkingState>::ProcessStrongHeapObject()',
    ),
    stack(
      'std::pair<std::_Rb_tree_iterator<v8::base::RegionAllocator::Region*>, bool> std::_Rb_tree<v8::base::RegionAllocator::Region*>::_M_insert_unique<v8::base::RegionAllocator::Region* const&>(v8::base::RegionAllocator::Region* const&)',
      'v8::base::RegionAllocator::AllocateRegion(unsigned long)',
    ),
    stack(
      'v8::internal::StringsStorage::GetCopy(char const*)',
      'v8::internal::SamplingHeapProfiler::AddStack()',
      'v8::internal::SamplingHeapProfiler::SampleObject(unsigned long, unsigned long)',
    ),
  ]) {
    assert.equal(isV8Heap(s), true, s[0].function);
  }
});

test("Buffers' contents, compiler zones, node's own and a program's code are not the heap", () => {
  for (const s of [
    stack(
      'node::NodeArrayBufferAllocator::Allocate(unsigned long)',
      'v8::internal::Heap::AllocateExternalBackingStore(std::function<void* (unsigned long)> const&, unsigned long)',
      'v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long)',
    ),
    stack(
      'v8::internal::Malloced::operator new(unsigned long)',
      'v8::internal::JSArrayBuffer::EnsureExtension()',
      'v8::internal::Heap::AppendArrayBufferExtension(v8::internal::JSArrayBuffer, v8::internal::ArrayBufferExtension*)',
    ),
    stack(
      'v8::internal::AllocAtLeastWithRetry(unsigned long)',
      'v8::internal::AccountingAllocator::AllocateSegment(unsigned long, bool)',
      'v8::internal::Zone::Expand(unsigned long)',
    ),
    stack('remember_record', 'remember', 'v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke()'),
    stack('CRYPTO_zalloc', 'asn1_item_embed_new', 'node::crypto::NewRootCertStore()'),
    // a parameter of a heap type is not the heap at work
    stack('node::Foo(v8::internal::Heap*)', 'node::Bar(v8::internal::Page::Flags)'),
    [],
  ]) {
    assert.equal(isV8Heap(s), false, s[0]?.function ?? 'no frames');
  }
});

test("a backing store's caller is the first frame past the ArrayBuffer allocator's own", () => {
  const unsafeSlow = stack(
    'node::NodeArrayBufferAllocator::AllocateUninitialized(unsigned long)',
    'v8::internal::Heap::AllocateExternalBackingStore(std::function<void* (unsigned long)> const&, unsigned long)',
    'v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long)',
    'v8::ArrayBuffer::NewBackingStoreForNodeLTS(v8::Isolate*, unsigned long)',
    'node::Buffer::(anonymous namespace)::CreateUnsafeArrayBuffer(v8::FunctionCallbackInfo<v8::Value> const&)',
  );
  assert.equal(backingStoreCaller(unsafeSlow)?.function, unsafeSlow[4].function);
  const constructed = stack(
    'node::NodeArrayBufferAllocator::Allocate(unsigned long)',
    'v8::internal::Heap::AllocateExternalBackingStore(std::function<void* (unsigned long)> const&, unsigned long)',
    'v8::internal::BackingStore::Allocate(v8::internal::Isolate*, unsigned long)',
    'v8::internal::(anonymous namespace)::ConstructBuffer(v8::internal::Isolate*)',
    'v8::internal::Builtin_ArrayBufferConstructor(int, unsigned long*, v8::internal::Isolate*)',
  );
  assert.equal(backingStoreCaller(constructed)?.function, constructed[3].function);
});
