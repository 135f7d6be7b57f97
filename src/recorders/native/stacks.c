/*
 * Stacks: captured as return addresses, deduplicated in a hash table so each
 * unique stack is written once (frame and stack records), then referred to by id.
 *
 * Capture walks frame pointers when the caller's module keeps them (a few loads a
 * frame), and otherwise unwinds with the DWARF call-frame information (unwind.c).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "leakhound.h"
#include "lh_tags.h"

/* ---- capture ---- */

extern void *__libc_stack_end;
static LH_TLS uintptr_t stack_top;

/* The highest address of this thread's stack: frame-pointer walks stay below it. */
void lh_set_stack_top(void) {
  /* pthread's answer, right for any thread (after a fork from a thread too) */
  pthread_attr_t attr;
  void *low;
  size_t size;
  stack_top = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    if (pthread_attr_getstack(&attr, &low, &size) == 0) stack_top = (uintptr_t)low + size;
    pthread_attr_destroy(&attr);
  }
  if (!stack_top && syscall(SYS_gettid) == getpid()) stack_top = (uintptr_t)__libc_stack_end;
}

/*
 * Follows the %rbp chain up from the interposed function's frame. `frame` holds
 * the caller's %rbp, then the return address. A return address in a module
 * without frame pointers hands the walk over to the DWARF unwinder, which goes on
 * from that frame: its stack pointer is just above the frame below, its %rbp the
 * one that frame saved.
 */
/* This thread's stack top, or failing that, 1 MiB above `near`. */
uintptr_t lh_stack_top_near(uintptr_t near) {
  if (!stack_top) lh_set_stack_top();
  return stack_top ? stack_top : near + (1u << 20);
}

/*
 * This thread's last capture, and the (size, stack) pair it was last asked for. A
 * loop allocating from one place captures from the same frame each time, and finds
 * the same stack as long as the words the walk read still hold what they held:
 * each frame's saved %rbp and return address, and the return addresses the DWARF
 * unwinder went by. Checking them is a load each, none waiting on another, where
 * the walk's loads each wait on the one before. Then the stack, its hash and often
 * its pair's id are the last capture's.
 */
static LH_TLS struct {
  uintptr_t *fp[LH_MAX_FRAMES + 1]; /* the frames walked: each saved the next one's address (the last, what it saved) */
  uint32_t walked;                  /* frames walked; their return addresses are stack.frames[0…] */
  int checkable;                    /* 0: libgcc's walk, or DWARF mode: no shortcut */
  int fp_ranges;                    /* lh_fp_ranges() at the walk: a module found since may change where it hands over */
  const uintptr_t *slots[LH_MAX_FRAMES]; /* further return addresses read (the DWARF part, or the one that ended the walk) */
  uintptr_t held[LH_MAX_FRAMES];
  uint32_t slot_count;
  struct lh_stack stack;
  uint64_t size;
  uint32_t info, stream; /* info: 0 when not known */
} seen;

static void walk_frame_pointers(struct lh_stack *stack, uintptr_t *frame) {
  uintptr_t top = lh_stack_top_near((uintptr_t)frame);
  uintptr_t origin = frame[1];
  seen.walked = 0;
  while (stack->depth < LH_MAX_FRAMES) {
    uintptr_t ret = frame[1];
    uintptr_t *next = (uintptr_t *)frame[0];
    seen.fp[seen.walked++] = frame;
    seen.fp[seen.walked] = next;
    if (lh_unwind_mode == LH_UNWIND_AUTO && !lh_in_fp_module(ret)) {
      lh_unwind_dwarf(stack, origin, ret, (uintptr_t)frame + 16, (uintptr_t)next);
      int n = lh_unwind_slots(seen.slots);
      seen.checkable = n >= 0;
      for (int k = 0; k < n; k++) seen.held[k] = stack->frames[seen.walked + k];
      seen.slot_count = n > 0 ? (uint32_t)n : 0;
      return;
    }
    stack->frames[stack->depth++] = ret;
    /* A frame pointer must move up the stack, stay inside it and be aligned. */
    if ((uintptr_t)next <= (uintptr_t)frame || (uintptr_t)next > top - 16 || ((uintptr_t)next & 7)) return;
    if (next[1] < 4096) {
      seen.slots[0] = &next[1];
      seen.held[0] = next[1];
      seen.slot_count = 1;
      return;
    }
    frame = next;
  }
}

/*
 * A sum of products, one odd multiplier per position: the multiplications do not
 * wait on each other (a chained hash costs a multiply's latency per frame).
 */
static void hash_stack(struct lh_stack *stack) {
  uint64_t h = stack->depth;
  for (uint32_t i = 0; i < stack->depth; i++) h += (stack->frames[i] ^ (i * 0x5851f42d4c957f2du)) * (0x9e3779b97f4a7c15u + 2u * i);
  h ^= h >> 31;
  h *= 0xff51afd7ed558ccdu;
  stack->hash = h ^ (h >> 29);
}

static int seen_again(uintptr_t *frame) {
  if (frame != seen.fp[0] || !seen.checkable || seen.fp_ranges != lh_fp_ranges()) return 0;
  /* in the walk's order, stopping at the first change: only words a walk would read are read */
  for (uint32_t k = 0; k < seen.walked; k++)
    if (seen.fp[k][0] != (uintptr_t)seen.fp[k + 1] || seen.fp[k][1] != seen.stack.frames[k]) return 0;
  for (uint32_t k = 0; k < seen.slot_count; k++)
    if (*seen.slots[k] != seen.held[k]) return 0;
  return 1;
}

static void capture(uintptr_t *f, uintptr_t ret) {
  struct lh_stack *stack = &seen.stack;
  stack->depth = 0;
  seen.slot_count = 0;
  seen.info = 0;
  seen.fp_ranges = lh_fp_ranges();
  seen.checkable = lh_unwind_mode != LH_UNWIND_DWARF;
  if (seen.checkable) walk_frame_pointers(stack, f);
  else lh_unwind_dwarf(stack, ret, ret, (uintptr_t)f + 16, f[0]);
  hash_stack(stack);
}

/* ---- tables (touched only with the lock held) ---- */

#define STACK_SLOTS (1u << 20)
#define FRAME_SLOTS (1u << 21)
#define INFO_SLOTS (1u << 20)

struct stack_slot {
  uint64_t hash;
  uint32_t id; /* 0: empty (stack 0 is the empty stack, never looked up) */
  uint32_t depth;
};
struct frame_slot {
  uintptr_t address;
  uint32_t id;
};

struct info_slot {
  uint64_t size;
  uint32_t stack;
  uint32_t id; /* 0: empty */
};

static struct stack_slot *stacks;
static struct info_slot *infos;
static uint32_t info_count;
static struct frame_slot *frames;
static uintptr_t *addresses; /* by frame id */
static uint32_t stack_count, frame_count;

static void *fresh(void *old, size_t bytes) {
  if (old) munmap(old, bytes);
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Empty tables for a new stream; defines frame 0 (unknown) and stack 0 (empty). */
void lh_stacks_reset(void) {
  stacks = fresh(stacks, STACK_SLOTS * sizeof *stacks);
  frames = fresh(frames, FRAME_SLOTS * sizeof *frames);
  addresses = fresh(addresses, FRAME_SLOTS * sizeof *addresses);
  infos = fresh(infos, INFO_SLOTS * sizeof *infos);
  lh_unwind_reset();
  stack_count = 1;
  frame_count = 1;
  info_count = 1;
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
  addresses[frames[i].id] = address;
  /* id, address, function, file, line, module: symbols come after the run */
  uint8_t payload[32], *p = lh_put_varint(payload, frames[i].id);
  p = lh_put_varint(p, address);
  memset(p, 0, 4);
  lh_emit(TAG_FRAME, payload, (size_t)(p + 4 - payload));
  return frames[i].id;
}

/* Writes the stack's new frames and the stack, then publishes it in `slot` for lock-free readers. */
static uint32_t define_stack(struct stack_slot *slot, const struct lh_stack *stack) {
  if (!stacks || stack_count >= STACK_SLOTS / 4 * 3) return 0;
  uint32_t id = stack_count++;
  uint8_t payload[16 + LH_MAX_FRAMES * 5], *p = lh_put_varint(payload, id);
  uint32_t ids[LH_MAX_FRAMES];
  for (uint32_t i = 0; i < stack->depth; i++) ids[i] = frame_id(stack->frames[i]);
  p = lh_put_varint(p, stack->depth);
  for (uint32_t i = 0; i < stack->depth; i++) p = lh_put_varint(p, ids[i]);
  lh_emit(TAG_STACK, payload, (size_t)(p - payload));
  slot->hash = stack->hash;
  slot->depth = stack->depth;
  __atomic_store_n(&slot->id, id, __ATOMIC_RELEASE);
  return id;
}

/*
 * The stack's id if it was written already, else 0; without the lock (the table only
 * grows, and a slot's id is published last). A stack found here was written to the
 * stream before the id became visible, so a record using it follows its definition.
 */
uint32_t lh_stack_find(const struct lh_stack *stack) {
  if (!stacks) return 0;
  for (uint32_t i = (uint32_t)stack->hash & (STACK_SLOTS - 1);; i = (i + 1) & (STACK_SLOTS - 1)) {
    uint32_t id = __atomic_load_n(&stacks[i].id, __ATOMIC_ACQUIRE);
    if (!id) return 0;
    /* 64-bit hashes: a collision among a million stacks has odds of about 2^-25. */
    if (stacks[i].hash == stack->hash && stacks[i].depth == stack->depth) return id;
  }
}

/* The stack's id, writing the stack first if it is new (lock held). */
uint32_t lh_stack_id(const struct lh_stack *stack) {
  if (!stacks) return 0;
  for (uint32_t i = (uint32_t)stack->hash & (STACK_SLOTS - 1);; i = (i + 1) & (STACK_SLOTS - 1)) {
    struct stack_slot *slot = &stacks[i];
    if (!slot->id) return define_stack(slot, stack);
    if (slot->hash == stack->hash && slot->depth == stack->depth) return slot->id;
  }
}

/* The frame table for the launcher's symbolizer (see lh_write_frames_file). */
const uintptr_t *lh_frame_addresses(uint32_t *count) {
  *count = addresses ? frame_count : 0;
  return addresses;
}

/* ---- allocation info: (size, stack) pairs ---- */

static inline uint32_t info_slot(uint32_t stack, uint64_t size) {
  return (uint32_t)(((size * 0x9e3779b97f4a7c15u) ^ (stack * 0xff51afd7ed558ccdu)) >> 40) & (INFO_SLOTS - 1);
}

/* The pair's id, 0 if not written yet; without the lock, as lh_stack_find. */
static uint32_t info_find(uint32_t stack, uint64_t size) {
  if (!infos) return 0;
  for (uint32_t i = info_slot(stack, size);; i = (i + 1) & (INFO_SLOTS - 1)) {
    uint32_t id = __atomic_load_n(&infos[i].id, __ATOMIC_ACQUIRE);
    if (!id || (infos[i].size == size && infos[i].stack == stack)) return id;
  }
}

/* The pair's id, writing its info record first if it is new (lock held). 0 when the table is full. */
static uint32_t info_define(uint32_t stack, uint64_t size) {
  if (!infos) return 0;
  uint32_t i = info_slot(stack, size);
  for (; infos[i].id; i = (i + 1) & (INFO_SLOTS - 1))
    if (infos[i].size == size && infos[i].stack == stack) return infos[i].id;
  if (info_count >= INFO_SLOTS / 4 * 3) return 0;
  uint32_t id = info_count++;
  uint8_t payload[32], *p = lh_put_varint(payload, id);
  p = lh_put_varint(p, size);
  p = lh_put_varint(p, stack);
  if (lh_sample_interval) p = lh_put_varint(p, lh_sample_weight(size));
  lh_emit(TAG_INFO, payload, (size_t)(p - payload));
  infos[i].size = size;
  infos[i].stack = stack;
  __atomic_store_n(&infos[i].id, id, __ATOMIC_RELEASE);
  return id;
}

/*
 * The id of an allocation's (size, stack): from the thread's own cache of the last
 * few it saw, else the tables, else written now under the lock. 0: not recorded (the
 * stream ended, or a million pairs filled the table).
 */
#define CACHED 16
static LH_TLS struct {
  uint64_t hash, size;
  uint32_t depth, id, stream;
} cache[CACHED];

static uint32_t info_id(const struct lh_stack *stack, uint64_t size) {
  uint32_t c = (uint32_t)(stack->hash ^ (size * 0x9e3779b97f4a7c15u) >> 59) & (CACHED - 1);
  if (cache[c].hash == stack->hash && cache[c].size == size && cache[c].depth == stack->depth &&
      cache[c].stream == lh_stream_number)
    return cache[c].id;
  uint32_t stack_id = lh_stack_find(stack);
  uint32_t id = stack_id ? info_find(stack_id, size) : 0;
  if (!id) {
    lh_lock();
    if (lh_recording()) {
      if (!stack_id) stack_id = lh_stack_id(stack);
      id = info_define(stack_id, size);
    }
    lh_unlock();
  }
  if (id) {
    cache[c].hash = stack->hash;
    cache[c].size = size;
    cache[c].depth = stack->depth;
    cache[c].id = id;
    cache[c].stream = lh_stream_number;
  }
  return id;
}

uint32_t lh_alloc_info(void *frame, void *ret, uint64_t size) {
  if (!seen_again(frame)) capture(frame, (uintptr_t)ret);
  else if (seen.info && seen.size == size && seen.stream == lh_stream_number) return seen.info;
  seen.size = size;
  seen.stream = lh_stream_number;
  return seen.info = info_id(&seen.stack, size);
}
