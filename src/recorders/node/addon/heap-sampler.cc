// heap-sampler: V8's sampling heap profiler read without a garbage collection.
//
// The inspector's HeapProfiler.getSamplingProfile forces a full mark-compact on
// every call (kSamplingForceGC). This addon starts the same sampler with no
// flags and reads the live samples directly: a sample disappears at the first
// natural GC that collects its object, and a poll costs what it takes to copy
// the samples out. It also times every GC itself (node's PerformanceObserver
// would allocate JS objects for each, which the sampler would then see), and
// wakes JS after each full GC. One instance per isolate (main thread and each
// worker), made by node's context-aware module init.
#include <node.h>
#include <uv.h>
#include <v8-profiler.h>

#include <cstdint>
#include <ctime>
#include <vector>

namespace {

using v8::AllocationProfile;
using v8::Array;
using v8::ArrayBuffer;
using v8::Context;
using v8::External;
using v8::Float64Array;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::GCCallbackFlags;
using v8::GCType;
using v8::Global;
using v8::HandleScope;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::String;
using v8::Value;

// GCs kept between two polls (a poll timer starved by a long synchronous loop); older ones are dropped beyond that.
constexpr size_t kMaxGcs = 8192;
// Depth of nested GC callbacks (weak callbacks run inside a full GC).
constexpr int kMaxNesting = 4;

struct Sampler {
  Isolate* isolate;
  bool sampling = false;
  // Node ids grow as V8 creates tree nodes: those above this one are new to JS.
  uint32_t seen_node_id = 0;
  // uv_hrtime() at the end of the latest GC, and of the latest full GC.
  double last_gc_ns = 0;
  double last_major_gc_ns = 0;
  // GCs since the last poll: start (uv_hrtime), pause (ns), V8's GCType.
  std::vector<double> gcs;
  double gc_started[kMaxNesting] = {};
  int gc_depth = 0;
  // Wakes the event loop after a full GC, to call on_major_gc there (GC callbacks may not run JS).
  uv_async_t* wake = nullptr;
  Global<Context> context;
  Global<Function> on_major_gc;
};

void OnGcStart(Isolate*, GCType, GCCallbackFlags, void* data) {
  auto* s = static_cast<Sampler*>(data);
  if (s->gc_depth < kMaxNesting) s->gc_started[s->gc_depth] = static_cast<double>(uv_hrtime());
  s->gc_depth++;
}

void OnGcEnd(Isolate*, GCType type, GCCallbackFlags, void* data) {
  auto* s = static_cast<Sampler*>(data);
  double now = static_cast<double>(uv_hrtime());
  s->gc_depth = s->gc_depth > 0 ? s->gc_depth - 1 : 0;
  double started = s->gc_depth < kMaxNesting ? s->gc_started[s->gc_depth] : now;
  if (s->gcs.size() >= kMaxGcs * 3) s->gcs.erase(s->gcs.begin(), s->gcs.begin() + 3);
  s->gcs.insert(s->gcs.end(), {started, now - started, static_cast<double>(type)});
  s->last_gc_ns = now;
  if (type & v8::kGCTypeMarkSweepCompact) {
    s->last_major_gc_ns = now;
    if (s->wake != nullptr) uv_async_send(s->wake);
  }
}

void OnWake(uv_async_t* handle) {
  auto* s = static_cast<Sampler*>(handle->data);
  if (s->on_major_gc.IsEmpty()) return;
  Isolate* isolate = s->isolate;
  HandleScope scope(isolate);
  Local<Context> context = s->context.Get(isolate);
  Context::Scope context_scope(context);
  node::MakeCallback(isolate, context->Global(), s->on_major_gc.Get(isolate), 0, nullptr, {0, 0});
}

Sampler* SamplerOf(const FunctionCallbackInfo<Value>& args) {
  return static_cast<Sampler*>(args.Data().As<External>()->Value());
}

Local<Float64Array> Doubles(Isolate* isolate, const double* values, size_t count) {
  Local<ArrayBuffer> buffer = ArrayBuffer::New(isolate, count * sizeof(double));
  double* cells = static_cast<double*>(buffer->GetBackingStore()->Data());
  for (size_t i = 0; i < count; i++) cells[i] = values[i];
  return Float64Array::New(buffer, 0, count);
}

// start(intervalBytes, stackDepth): true when sampling runs.
void Start(const FunctionCallbackInfo<Value>& args) {
  Sampler* s = SamplerOf(args);
  Local<Context> context = s->isolate->GetCurrentContext();
  uint64_t interval = static_cast<uint64_t>(args[0]->NumberValue(context).FromMaybe(65536));
  int depth = static_cast<int>(args[1]->NumberValue(context).FromMaybe(64));
  if (!s->sampling) {
    s->sampling = s->isolate->GetHeapProfiler()->StartSamplingHeapProfiler(interval, depth, v8::HeapProfiler::kSamplingNoFlags);
    s->seen_node_id = 0;
  }
  args.GetReturnValue().Set(s->sampling);
}

void Stop(const FunctionCallbackInfo<Value>& args) {
  Sampler* s = SamplerOf(args);
  if (s->sampling) s->isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
  s->sampling = false;
  s->on_major_gc.Reset();
}

// Appends the nodes JS has not seen, parents before children, as
// [id, parentId, scriptId, line, name, scriptName] each.
void NewNodes(Isolate* isolate, Local<Context> context, AllocationProfile::Node* node, uint32_t parent, uint32_t seen,
              Local<Array> out, uint32_t* length, uint32_t* max_id) {
  if (node->node_id > seen) {
    out->Set(context, (*length)++, Integer::NewFromUnsigned(isolate, node->node_id)).Check();
    out->Set(context, (*length)++, Integer::NewFromUnsigned(isolate, parent)).Check();
    out->Set(context, (*length)++, Integer::New(isolate, node->script_id)).Check();
    out->Set(context, (*length)++, Integer::New(isolate, node->line_number)).Check();
    out->Set(context, (*length)++, node->name).Check();
    out->Set(context, (*length)++, node->script_name).Check();
  }
  if (node->node_id > *max_id) *max_id = node->node_id;
  for (AllocationProfile::Node* child : node->children) NewNodes(isolate, context, child, node->node_id, seen, out, length, max_id);
}

void Set(Isolate* isolate, Local<Context> context, Local<Object> object, const char* key, Local<Value> value) {
  object->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
}

// poll(): { samples: Float64Array of [sampleId, nodeId, bytes]..., nodes: [...] (new
// ones only), gcs: Float64Array of [startNs, pauseNs, gcType]... since the last poll,
// lastGcNs, lastMajorGcNs }, or undefined when not sampling.
void Poll(const FunctionCallbackInfo<Value>& args) {
  Sampler* s = SamplerOf(args);
  if (!s->sampling) return;
  Isolate* isolate = s->isolate;
  Local<Context> context = isolate->GetCurrentContext();
  AllocationProfile* profile = isolate->GetHeapProfiler()->GetAllocationProfile();
  if (profile == nullptr) return;

  const std::vector<AllocationProfile::Sample>& samples = profile->GetSamples();
  std::vector<double> cells(samples.size() * 3);
  for (size_t i = 0; i < samples.size(); i++) {
    cells[i * 3] = static_cast<double>(samples[i].sample_id);
    cells[i * 3 + 1] = samples[i].node_id;
    // what the sample stands for, as the inspector reports it
    cells[i * 3 + 2] = static_cast<double>(samples[i].size) * samples[i].count;
  }
  Local<Array> nodes = Array::New(isolate);
  uint32_t length = 0;
  uint32_t max_id = s->seen_node_id;
  NewNodes(isolate, context, profile->GetRootNode(), 0, s->seen_node_id, nodes, &length, &max_id);
  s->seen_node_id = max_id;
  delete profile;

  Local<Object> result = Object::New(isolate);
  Set(isolate, context, result, "samples", Doubles(isolate, cells.data(), cells.size()));
  Set(isolate, context, result, "nodes", nodes);
  Set(isolate, context, result, "gcs", Doubles(isolate, s->gcs.data(), s->gcs.size()));
  Set(isolate, context, result, "lastGcNs", Number::New(isolate, s->last_gc_ns));
  Set(isolate, context, result, "lastMajorGcNs", Number::New(isolate, s->last_major_gc_ns));
  s->gcs.clear();
  args.GetReturnValue().Set(result);
}

// onMajorGc(fn): fn is called from the event loop soon after each full GC.
void OnMajorGc(const FunctionCallbackInfo<Value>& args) {
  Sampler* s = SamplerOf(args);
  if (!args[0]->IsFunction()) return;
  s->on_major_gc.Reset(s->isolate, args[0].As<Function>());
  s->context.Reset(s->isolate, s->isolate->GetCurrentContext());
}

// collectGarbage(): full GCs until nothing more is freed (V8's low-memory
// notification; no --expose-gc needed). For exits and dumps only: it pauses.
void CollectGarbage(const FunctionCallbackInfo<Value>& args) {
  SamplerOf(args)->isolate->LowMemoryNotification();
}

// startMarking(): asks V8 to start its ordinary incremental marking now: a full GC
// marked beside the program, ending in a short pause. V8 starts one when external
// memory passes a soft limit (64 MiB above what it was at the last full GC), so the
// addon reports 128 MiB more and at once 128 MiB less. (Moderate memory pressure
// would start one too, but one that reduces the footprint: it compacts every page
// and shrinks the young generation, and scavenges then came 7x as often.)
constexpr int64_t kCensusNudge = 128LL * 1024 * 1024;
void StartMarking(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = SamplerOf(args)->isolate;
  isolate->AdjustAmountOfExternalAllocatedMemory(kCensusNudge);
  isolate->AdjustAmountOfExternalAllocatedMemory(-kCensusNudge);
}

// CPU time of the calling thread, ns: the program's work clock (descheduled time is not counted).
void ThreadCpuNs(const FunctionCallbackInfo<Value>& args) {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return;  // undefined: no clock
  args.GetReturnValue().Set(static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec));
}

void Export(Local<Object> exports, Local<Context> context, const char* name, v8::FunctionCallback fn, Local<External> data) {
  Isolate* isolate = context->GetIsolate();
  Local<Function> f = v8::FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked();
  Set(isolate, context, exports, name, f);
}

void Cleanup(void* data) {
  auto* s = static_cast<Sampler*>(data);
  s->isolate->RemoveGCPrologueCallback(OnGcStart, s);
  s->isolate->RemoveGCEpilogueCallback(OnGcEnd, s);
  if (s->sampling) s->isolate->GetHeapProfiler()->StopSamplingHeapProfiler();
  s->on_major_gc.Reset();
  s->context.Reset();
  // the handle is freed once libuv has closed it; the sampler goes now
  uv_close(reinterpret_cast<uv_handle_t*>(s->wake), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  delete s;
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = context->GetIsolate();
  auto* s = new Sampler{isolate};
  s->wake = new uv_async_t;
  uv_async_init(node::GetCurrentEventLoop(isolate), s->wake, OnWake);
  s->wake->data = s;
  uv_unref(reinterpret_cast<uv_handle_t*>(s->wake));  // never keeps the program alive
  isolate->AddGCPrologueCallback(OnGcStart, s);
  isolate->AddGCEpilogueCallback(OnGcEnd, s);
  node::AddEnvironmentCleanupHook(isolate, Cleanup, s);
  Local<External> data = External::New(isolate, s);
  Export(exports, context, "start", Start, data);
  Export(exports, context, "stop", Stop, data);
  Export(exports, context, "poll", Poll, data);
  Export(exports, context, "onMajorGc", OnMajorGc, data);
  Export(exports, context, "collectGarbage", CollectGarbage, data);
  Export(exports, context, "startMarking", StartMarking, data);
  Export(exports, context, "threadCpuNs", ThreadCpuNs, data);
}
