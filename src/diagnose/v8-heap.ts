/**
 * V8's own heap machinery, seen by the native recorder in a node process (or any
 * program that embeds V8): the JS heap's pages come from mmap, but their metadata
 * (free lists, slot sets, the chunk itself), the collector's work lists and the
 * sampling heap profiler's records are malloc'ed, and grow as the JS heap grows.
 * They back the JS heap, which the node agent's profile judges: not a native leak.
 *
 * Buffers' and ArrayBuffers' contents are not the heap: V8 allocates them through
 * the embedder's ArrayBuffer allocator, under heap frames
 * (`Heap::AllocateExternalBackingStore`), and they stay native sites.
 */

/** Classes of V8 that run the heap: spaces, pages and the address ranges they take, the collectors, the heap profiler. */
const HEAP_CLASS =
  /\bv8::internal::(Heap|HeapAllocator|\w*Space\w*|Page|LargePage|\w*MemoryChunk\w*|MemoryAllocator|FreeList\w*|\w*SlotSet\w*|TypedSlots?|\w*RememberedSet\w*|\w*Marking\w*|\w*MarkCompact\w*|\w*Scaveng\w*|\w*Evacuat\w*|Sweeper|GCTracer|StringTable|SamplingHeapProfiler|AllocationCounter)(<|::)|\bv8::base::(RegionAllocator|BoundedPageAllocator)(<|::)|\bheap::base::|\bcppgc::/;

/** The backing stores of ArrayBuffers (Buffers' contents): external memory, not the heap. */
const BACKING_STORE = /ArrayBuffer|BackingStore/;

/** Whether a site's stack allocates an ArrayBuffer's backing store (a Buffer's contents). */
export function allocatesBackingStore(frames: readonly { function: string }[]): boolean {
  return frames.some((f) => BACKING_STORE.test(qualifiedName(f.function)));
}

/** The allocator of backing stores: node's or V8's ArrayBuffer allocator, V8's BackingStore and heap. */
const BACKING_STORE_ALLOCATOR =
  /ArrayBufferAllocator|ArrayBuffer::NewBackingStore|BackingStore::|\bv8::internal::Heap::/;

/**
 * The frame that asked for a backing store: the first past its allocator's
 * (`node::Buffer::…::CreateUnsafeArrayBuffer` for `Buffer.allocUnsafeSlow`, V8's
 * `ConstructBuffer` for `new ArrayBuffer` and `Buffer.alloc`). The JavaScript
 * caller is the JS profile's: the native stack ends at V8's generated code.
 */
export function backingStoreCaller<F extends { function: string }>(frames: readonly F[]): F | undefined {
  return frames.find((f) => !BACKING_STORE_ALLOCATOR.test(qualifiedName(f.function)));
}

/** How far from the allocation a heap frame counts: past the allocator's helpers (std containers, `Malloced`). */
const NEAR_FRAMES = 4;

/**
 * A C++ function's name without its parameters (a `v8::internal::Heap*` argument is
 * not the heap at work) nor anonymous namespaces: `ns::(anonymous namespace)::f(int)` → `ns::f`.
 */
export function qualifiedName(fn: string): string {
  const name = fn.replace(/\(anonymous namespace\)::/g, '');
  const params = name.indexOf('(');
  return params < 0 ? name : name.slice(0, params);
}

/**
 * Whether a native site's memory is V8's heap machinery: of its innermost frames
 * (innermost first, allocator frames stripped), the first that is a heap class's or
 * an ArrayBuffer's is a heap class's. (A collection started by a `new ArrayBuffer`
 * has the ArrayBuffer further out: its own mallocs are the heap's.)
 */
export function isV8Heap(frames: readonly { function: string }[]): boolean {
  for (const f of frames.slice(0, NEAR_FRAMES)) {
    const name = qualifiedName(f.function);
    if (BACKING_STORE.test(name)) return false;
    if (HEAP_CLASS.test(name)) return true;
  }
  return false;
}

/** The explanation of a V8 heap site: what it is, what it did, and where the JS heap's own verdicts are. */
export function v8HeapExplanation(grew: string): string {
  return (
    `V8's own heap (page metadata, the collector's work lists, the heap profiler's records): ${grew}; ` +
    'it backs the JS heap, whose sites the JS profile of this process judges (<base>.<pid>.js.lhp, record --native): not a native leak'
  );
}
