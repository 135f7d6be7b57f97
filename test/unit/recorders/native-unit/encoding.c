/*
 * The encoding: LEB128 varints byte for byte, and the records a recording driven
 * through lh_record.h writes for an alloc, a realloc and a free, and for a loop of
 * alloc/free pairs at one address, which repeat records shorten (docs/FORMAT.md).
 */
#include <sys/syscall.h>
#include <unistd.h>
#include "unit.h"

static void varints(void) {
  static const struct {
    uint64_t value;
    size_t length;
    uint8_t bytes[10];
  } cases[] = {
      {0, 1, {0x00}},
      {1, 1, {0x01}},
      {127, 1, {0x7f}},
      {128, 2, {0x80, 0x01}},
      {300, 2, {0xac, 0x02}},
      {16383, 2, {0xff, 0x7f}},
      {16384, 3, {0x80, 0x80, 0x01}},
      {0xffffffffu, 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
      {UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
  };
  int ok = 1;
  char why[160] = "";
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uint8_t out[16];
    size_t n = (size_t)(lh_put_varint(out, cases[i].value) - out);
    if (n != cases[i].length || memcmp(out, cases[i].bytes, n) != 0) {
      ok = 0;
      snprintf(why, sizeof why, "%llu: %zu bytes, first %02x (expected %zu bytes, first %02x)", (unsigned long long)cases[i].value, n, out[0],
               cases[i].length, cases[i].bytes[0]);
      break;
    }
  }
  check(ok, "varints are LEB128, byte for byte", why);
}

/* Zigzag: the record times are deltas, never negative from one record to the next in this stream. */
static uint64_t time_delta(struct record *r, struct stream *s, int *negative) {
  uint64_t z = field(r, s);
  if (z & 1) *negative = 1;
  return z >> 1;
}

NOINLINE static void *alloc_here(void *p, size_t size) {
  lh_record_alloc(p, size, CALLER);
  return p;
}

NOINLINE static void *realloc_here(void *p, size_t size) { return lh_record_realloc(p, size, CALLER); }

int main(void) {
  varints();

  const char *path = record_to("encoding");
  uint32_t tid = (uint32_t)syscall(SYS_gettid);
  void *block = malloc(16);
  uintptr_t old = (uintptr_t)block;
  alloc_here((void *)0x7f0000001000, 24);
  void *moved = realloc_here(block, 4000);
  uintptr_t new = (uintptr_t)moved;
  lh_record_free((void *)0x7f0000001000);
  enum { PAIRS = 100 };
  for (int i = 0; i < PAIRS; i++) {
    alloc_here((void *)0x7f0000002000, 32);
    lh_record_free((void *)0x7f0000002000);
  }
  lh_record_finish();

  struct stream s = open_stream(path);
  struct record r;
  static struct compact compact;
  struct event e;
  int records = 0, threads = 0, allocs = 0, reallocs = 0, frees = 0, ends = 0, exact = 1, negative = 0, after_end = 0;
  int looped_allocs = 0, looped_frees = 0;
  while (next_record(&s, &r)) {
    records++;
    if (ends) after_end = 1;
    switch (r.tag) {
    case THREAD:
      threads += field(&r, &s) == tid;
      break;
    case CONTEXT: /* id, thread */
    case INFO:    /* id, size, stack */
      compact_event(&compact, &r, &s, &e);
      exact &= r.payload == r.end;
      break;
    case SHORT_ALLOC: /* address difference, info */
      compact_event(&compact, &r, &s, &e);
      allocs += e.address == 0x7f0000001000 && e.size == 24 && e.stack != 0 && e.thread == tid;
      looped_allocs += e.address == 0x7f0000002000 && e.size == 32 && e.stack != 0 && e.thread == tid;
      exact &= r.payload == r.end;
      break;
    case SHORT_FREE: /* address difference */
      compact_event(&compact, &r, &s, &e);
      frees += e.address == 0x7f0000001000;
      looped_frees += e.address == 0x7f0000002000;
      exact &= r.payload == r.end;
      break;
    case TICK: /* t */
      time_delta(&r, &s, &negative);
      exact &= r.payload == r.end;
      break;
    case SHORT_REALLOC: /* old and new address differences, info */
      compact_event(&compact, &r, &s, &e);
      reallocs += e.old == old && e.address == new && e.size == 4000 && e.stack != 0 && e.thread == tid;
      exact &= r.payload == r.end;
      break;
    case END: /* t */
      time_delta(&r, &s, &negative);
      exact &= r.payload == r.end;
      ends++;
      break;
    }
  }
  check(!s.bad && s.at == s.size, "the stream is whole records to its last byte", "a record overruns the file");
  check(records > 5, "the stream has its start records", "fewer than 6 records");
  check(threads == 1, "the thread is named once, by its tid", "no single thread record with this thread's tid");
  check(allocs == 1, "shortAlloc: the address and the (size, stack) info, of its thread", "no compact alloc with the recorded fields");
  check(reallocs == 1, "shortRealloc: both addresses and the (size, stack) info, of its thread", "no compact realloc with the recorded fields");
  check(frees == 1, "shortFree: the address", "no compact free of the address");
  check(s.repeat_records > 0 && looped_allocs == PAIRS && looped_frees == PAIRS,
        "a loop's alloc/free pairs: repeat records, read back as every pair", "fewer pairs read back, or no repeat record");
  check(ends == 1 && !after_end, "one end record, last", "the end record is missing, repeated or not last");
  check(exact, "each record's length is its fields' bytes", "a record's payload is longer than its fields");
  check(!negative, "times never step back", "a negative time delta");
  free(moved);
  return failures ? 1 : 0;
}
