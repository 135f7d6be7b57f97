/*
 * Stacks: captured as return addresses, deduplicated in a hash table so each
 * unique stack is written once (frame and stack records), then referred to by id.
 *
 * Capture walks frame pointers when the caller's module keeps them (a few loads a
 * frame), and otherwise unwinds with the DWARF call-frame information through
 * libgcc's _Unwind_Backtrace: correct everywhere, several times slower.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>
#include "leakhound.h"

enum { TAG_FRAME = 2, TAG_STACK = 3 };

/* ---- capture ---- */

extern void *__libc_stack_end;
static LH_TLS uintptr_t stack_top;

/* The highest address of this thread's stack: frame-pointer walks stay below it. */
void lh_set_stack_top(void) {
  stack_top = 0;
  if (syscall(SYS_gettid) == getpid()) {
    stack_top = (uintptr_t)__libc_stack_end;
    return;
  }
  pthread_attr_t attr;
  void *low;
  size_t size;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  if (pthread_attr_getstack(&attr, &low, &size) == 0) stack_top = (uintptr_t)low + size;
  pthread_attr_destroy(&attr);
}

static void walk_frame_pointers(struct lh_stack *stack, uintptr_t *frame) {
  if (!stack_top) lh_set_stack_top();
  uintptr_t top = stack_top ? stack_top : (uintptr_t)frame + (1u << 20);
  uintptr_t *next = (uintptr_t *)frame[0];
  while (stack->depth < LH_MAX_FRAMES) {
    /* A frame pointer must move up the stack, stay inside it and be aligned. */
    if ((uintptr_t)next <= (uintptr_t)frame || (uintptr_t)next + 16 > top || ((uintptr_t)next & 7)) break;
    uintptr_t ret = next[1];
    if (ret < 4096) break;
    stack->frames[stack->depth++] = ret;
    /* Past a module without frame pointers the chain is not to be trusted. */
    if (lh_unwind_mode == LH_UNWIND_AUTO && !lh_in_fp_module(ret)) break;
    frame = next;
    next = (uintptr_t *)frame[0];
  }
}

struct dwarf_walk {
  struct lh_stack *stack;
  uintptr_t caller;
  int started;
};

static _Unwind_Reason_Code dwarf_step(struct _Unwind_Context *context, void *arg) {
  struct dwarf_walk *walk = arg;
  uintptr_t ip = _Unwind_GetIP(context);
  if (!walk->started) {
    if (ip != walk->caller) return _URC_NO_REASON; /* the recorder's own frames */
    walk->started = 1;
  }
  if (!ip || walk->stack->depth >= LH_MAX_FRAMES) return _URC_END_OF_STACK;
  walk->stack->frames[walk->stack->depth++] = ip;
  return _URC_NO_REASON;
}

void lh_capture(struct lh_stack *stack, void *frame, void *ret) {
  stack->frames[0] = (uintptr_t)ret;
  stack->depth = 1;
  int fast = lh_unwind_mode == LH_UNWIND_FP || (lh_unwind_mode == LH_UNWIND_AUTO && lh_in_fp_module((uintptr_t)ret));
  if (fast) {
    walk_frame_pointers(stack, frame);
  } else {
    struct dwarf_walk walk = {stack, (uintptr_t)ret, 0};
    stack->depth = 0;
    _Unwind_Backtrace(dwarf_step, &walk);
    if (stack->depth == 0) stack->depth = 1; /* the walk never found the caller: keep it alone */
  }
  uint64_t h = 0x9e3779b97f4a7c15u;
  for (uint32_t i = 0; i < stack->depth; i++) h = (h ^ stack->frames[i]) * 0xff51afd7ed558ccdu, h ^= h >> 32;
  stack->hash = h;
}

/* ---- tables (touched only with the lock held) ---- */

#define STACK_SLOTS (1u << 20)
#define POOL_FRAMES (1u << 24)
#define FRAME_SLOTS (1u << 21)

struct stack_slot {
  uint64_t hash;
  uint32_t id; /* 0: empty (stack 0 is the empty stack, never looked up) */
  uint32_t depth;
  uint32_t offset; /* into pool */
};
struct frame_slot {
  uintptr_t address;
  uint32_t id;
};

static struct stack_slot *stacks;
static uintptr_t *pool;
static struct frame_slot *frames;
static uint32_t stack_count, pool_used, frame_count;

static void *fresh(void *old, size_t bytes) {
  if (old) munmap(old, bytes);
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Empty tables for a new stream; defines frame 0 (unknown) and stack 0 (empty). */
void lh_stacks_reset(void) {
  stacks = fresh(stacks, STACK_SLOTS * sizeof *stacks);
  pool = fresh(pool, POOL_FRAMES * sizeof *pool);
  frames = fresh(frames, FRAME_SLOTS * sizeof *frames);
  stack_count = 1;
  frame_count = 1;
  pool_used = 0;
  static const uint8_t unknown_frame[] = {0, 0, 0, 0, 0, 0};
  static const uint8_t empty_stack[] = {0, 0};
  lh_emit(TAG_FRAME, unknown_frame, sizeof unknown_frame);
  lh_emit(TAG_STACK, empty_stack, sizeof empty_stack);
}

static uint32_t frame_id(uintptr_t address) {
  uint32_t i = (uint32_t)((address * 0x9e3779b97f4a7c15u) >> 43) & (FRAME_SLOTS - 1);
  for (;; i = (i + 1) & (FRAME_SLOTS - 1)) {
    if (frames[i].address == address) return frames[i].id;
    if (!frames[i].address) break;
  }
  if (frame_count >= FRAME_SLOTS / 4 * 3) return 0;
  frames[i].address = address;
  frames[i].id = frame_count++;
  /* id, address, function, file, line, module: symbols come after the run */
  uint8_t payload[32], *p = lh_put_varint(payload, frames[i].id);
  p = lh_put_varint(p, address);
  memset(p, 0, 4);
  lh_emit(TAG_FRAME, payload, (size_t)(p + 4 - payload));
  return frames[i].id;
}

static uint32_t define_stack(struct stack_slot *slot, const struct lh_stack *stack) {
  if (!stacks || stack_count >= STACK_SLOTS / 4 * 3 || pool_used + stack->depth > POOL_FRAMES) return 0;
  memcpy(pool + pool_used, stack->frames, stack->depth * sizeof *pool);
  slot->hash = stack->hash;
  slot->depth = stack->depth;
  slot->offset = pool_used;
  slot->id = stack_count++;
  pool_used += stack->depth;
  uint8_t payload[16 + LH_MAX_FRAMES * 5], *p = lh_put_varint(payload, slot->id);
  uint32_t ids[LH_MAX_FRAMES];
  for (uint32_t i = 0; i < stack->depth; i++) ids[i] = frame_id(stack->frames[i]);
  p = lh_put_varint(p, stack->depth);
  for (uint32_t i = 0; i < stack->depth; i++) p = lh_put_varint(p, ids[i]);
  lh_emit(TAG_STACK, payload, (size_t)(p - payload));
  return slot->id;
}

uint32_t lh_stack_id(const struct lh_stack *stack) {
  if (!stacks) return 0;
  uint32_t i = (uint32_t)stack->hash & (STACK_SLOTS - 1);
  for (;; i = (i + 1) & (STACK_SLOTS - 1)) {
    struct stack_slot *slot = &stacks[i];
    if (!slot->id) return define_stack(slot, stack);
    if (slot->hash == stack->hash && slot->depth == stack->depth &&
        !memcmp(pool + slot->offset, stack->frames, stack->depth * sizeof *pool))
      return slot->id;
  }
}
