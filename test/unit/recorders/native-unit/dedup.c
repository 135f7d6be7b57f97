/*
 * Stack dedup: the same backtrace gets one id and is defined once, different
 * backtraces get different ids, each frame address is defined once, and every
 * record's stack is defined before the record (docs/FORMAT.md).
 */
#include "unit.h"

#define A_TIMES 5
#define B_TIMES 3

NOINLINE static void site_a(uintptr_t address) { lh_record_alloc((void *)address, 1, CALLER); }
NOINLINE static void site_b(uintptr_t address) { lh_record_alloc((void *)address, 2, CALLER); }

#define MAX_IDS 4096

int main(void) {
  const char *path = record_to("dedup");
  volatile int a_times = A_TIMES, b_times = B_TIMES; /* loops the compiler cannot unroll into several call sites */
  for (int i = 0; i < a_times; i++) site_a(0x1000 + (uintptr_t)i * 16); /* one call site: one backtrace */
  for (int i = 0; i < b_times; i++) site_b(0x2000 + (uintptr_t)i * 16);
  lh_record_finish();

  static uint8_t stack_defined[MAX_IDS], frame_defined[MAX_IDS];
  static uintptr_t frame_address[MAX_IDS];
  uint64_t a_stack = 0, b_stack = 0;
  int a_count = 0, b_count = 0, same_a = 1, same_b = 1, twice = 0, undefined = 0, address_twice = 0, stacks = 0;
  struct stream s = open_stream(path);
  struct record r;
  static struct compact compact;
  struct event e;
  while (next_record(&s, &r)) {
    if (r.tag == STACK) { /* id, count, frame × count */
      uint64_t id = field(&r, &s);
      if (id >= MAX_IDS || stack_defined[id]++) twice = 1;
      uint64_t count = field(&r, &s);
      for (uint64_t i = 0; i < count; i++) {
        uint64_t frame = field(&r, &s);
        if (frame >= MAX_IDS || !frame_defined[frame]) undefined = 1; /* a stack's frames come first */
      }
      stacks++;
    } else if (r.tag == FRAME) { /* id, address, … */
      uint64_t id = field(&r, &s), address = field(&r, &s);
      if (id >= MAX_IDS || frame_defined[id]++) twice = 1;
      else frame_address[id] = address;
      for (uint64_t other = 1; other < id && other < MAX_IDS; other++)
        if (frame_defined[other] && frame_address[other] == address && address) address_twice = 1;
    } else if (r.tag == INFO) { /* id, size, stack: before the allocations of the pair */
      const uint8_t *at = r.payload;
      field(&r, &s);
      field(&r, &s);
      uint64_t stack = field(&r, &s);
      if (stack >= MAX_IDS || !stack_defined[stack]) undefined = 1;
      r.payload = at;
      compact_event(&compact, &r, &s, &e);
    } else if (compact_event(&compact, &r, &s, &e) == ALLOC) {
      uint64_t size = e.size, stack = e.stack;
      if (size == 1) {
        if (a_count++ && stack != a_stack) same_a = 0;
        a_stack = stack;
      } else if (size == 2) {
        if (b_count++ && stack != b_stack) same_b = 0;
        b_stack = stack;
      }
    }
  }
  check(!s.bad && a_count == A_TIMES && b_count == B_TIMES, "every event is in the stream", "alloc records missing or unreadable");
  check(same_a && same_b && a_stack, "the same backtrace gets one id", "one call site's allocations name different stacks");
  check(a_stack != b_stack, "different backtraces get different ids", "two call sites share a stack id");
  check(stacks == 3 && !twice, "each stack and frame is defined once", "a stack or frame id is defined twice, or not 3 stacks (empty, a, b)");
  check(!address_twice, "each frame address is defined once", "two frame ids for one address");
  check(!undefined, "ids are defined before they are used", "a record uses a stack or frame not defined before it");
  return failures ? 1 : 0;
}
