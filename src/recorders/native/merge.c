/*
 * The flusher's pass: takes the events the threads' rings hold (rings.c), puts them
 * in an order the format accepts and writes them as compact records (docs/FORMAT.md).
 *
 * The format needs an allocation's record before its free, and an address's next
 * allocation after that free. Each event carries a number from one atomic counter
 * (rings.c): a free takes the counter's next value n as 2n, before it gives the
 * memory back; an allocation reads it, 2n + 1, after the allocator handed the
 * memory out. So the events of one address are numbered in the order they
 * happened. The pass:
 * - takes the events numbered up to 2n, n the counter as it read it first: a free
 *   so numbered took its number before that read, and an allocation so numbered
 *   read the counter before it moved past n, so before that read too; an event
 *   that one of them depends on was in its ring before (its thread published it
 *   before the memory reached another thread). Later ones wait for the next pass;
 * - writes each ring's events in ring order, and changes ring only where an address
 *   that two threads touched in this pass comes next: those events go in number
 *   order. Threads that keep to their own memory give long runs of one thread, whose
 *   addresses and (size, stack) pairs repeat and compress to almost nothing.
 * Runs with the lock held.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "leakhound.h"
#include "lh_tags.h"

uint64_t lh_allocation_count;

struct run {
  struct lh_ring *ring;
  uint64_t at, end; /* the events of this pass */
  uint64_t shared;  /* the next event at an address another thread touched, or `end` */
};
static struct run *runs;
static size_t run_room;

/* The ring whose context the compact records are in: a context record when it changes. */
static struct lh_ring *context;
static uint32_t context_id;

static inline const struct lh_event *event_at(const struct lh_ring *r, uint64_t at) {
  return &r->events[at & (LH_RING_EVENTS - 1)];
}

/* ---- which addresses two threads touched in this pass ---- */

/* Slots of address → run, tagged with the pass; a collision counts as shared, which only costs order. */
#define SLOTS (1u << 16)
#define SHARED UINT32_MAX
static struct {
  uint32_t pass, run;
} owners[SLOTS];
static uint32_t pass_number;

static inline uint32_t slot_of(uint64_t address) { return (uint32_t)(((address >> 4) * 0x9e3779b97f4a7c15u) >> 48); }

static inline void mark(uint64_t address, uint32_t run) {
  uint32_t i = slot_of(address);
  if (owners[i].pass != pass_number) owners[i].pass = pass_number, owners[i].run = run;
  else if (owners[i].run != run) owners[i].run = SHARED;
}

static inline int shared(const struct lh_event *e) {
  if (e->kind == LH_EVENT_TIME) return 0;
  uint32_t i = slot_of(e->address);
  if (owners[i].pass == pass_number && owners[i].run == SHARED) return 1;
  if (e->kind != LH_EVENT_REALLOC || !e->value) return 0;
  i = slot_of(e->value); /* a realloc's old address */
  return owners[i].pass == pass_number && owners[i].run == SHARED;
}

static uint64_t next_shared(const struct run *run, uint64_t from) {
  while (from < run->end && !shared(event_at(run->ring, from))) from++;
  return from;
}

/* ---- encoding ---- */

static inline uint64_t zigzag(int64_t d) { return d >= 0 ? (uint64_t)d << 1 : ((uint64_t)(-(d + 1)) << 1) | 1; }

/*
 * Writes the ring's context record. As the reader does, the context left keeps the
 * stream's time, and a context entered again gets back its own: its next tick is
 * then a step of its own clock, as repetitive as its addresses.
 */
static void enter(struct lh_ring *r) {
  if (context && context->context == context_id) context->context_time = lh_time_written;
  context = r;
  context_id = r->context;
  uint8_t *payload = lh_begin_record(TAG_CONTEXT), *p = lh_put_varint(payload, r->context);
  lh_end_record(payload, lh_put_varint(p, r->thread));
  if (r->context_written) lh_time_written = r->context_time;
  r->context_written = 1;
}

/* ---- repeats: a run of compact events, each the same as the one `period` before it ---- */

/*
 * A compact event as its record's fields: the tag, the zigzag address difference(s)
 * and the info. Two are the same record when these are. All words: a field stored
 * narrower than a later load of it (a compiler comparing two fields at once) would
 * stall that load.
 */
struct compact {
  uint64_t first, second; /* alloc, free: the address difference; realloc: the old one, then the new */
  uint64_t info, tag;
};

/*
 * The compact events written since the last other record (a pass starts afresh), as
 * a repeat record refers to them, up to PERIODS back; each is built in its place
 * here (a copy from the stack would wait on the stores that built it).
 */
#define PERIODS 8
static struct compact recent[2 * PERIODS];
static uint32_t recent_count; /* events since the last other record */
static uint32_t period, pending; /* `pending` events held back, each the one `period` before it */

static inline int same_event(const struct compact *a, const struct compact *b) {
  return a->first == b->first && a->second == b->second && a->info == b->info && a->tag == b->tag;
}

static inline struct compact *back(uint32_t p) { return &recent[(recent_count - p) % (2 * PERIODS)]; }

static void append(const struct compact *e) {
  uint8_t *payload = lh_begin_record((uint8_t)e->tag), *p = lh_put_varint(payload, e->first);
  if (e->tag == TAG_SHORTREALLOC) p = lh_put_varint(p, e->second);
  if (e->tag != TAG_SHORTFREE) p = lh_put_varint(p, e->info);
  lh_end_record(payload, p);
}

/* Writes the events held back: a repeat record, or the one event itself, which is no longer. */
static void write_pending(void) {
  if (pending == 1) {
    append(back(1));
  } else if (pending > 1) {
    uint8_t *payload = lh_begin_record(TAG_REPEAT), *p = lh_put_varint(payload, period);
    lh_end_record(payload, lh_put_varint(p, pending));
  }
  pending = 0;
}

/* Before a record of another kind: what is held back goes first, and a repeat cannot refer past it. */
static void repeats_break(void) {
  write_pending();
  recent_count = 0;
}

/* The event built in back(0). */
static void write_compact(const struct compact *e) {
  if (pending && same_event(e, back(period))) {
    pending++;
  } else {
    write_pending();
    for (uint32_t p = 1; p <= PERIODS && p <= recent_count && !pending; p++)
      if (same_event(e, back(p))) period = p, pending = 1;
    if (!pending) append(e);
  }
  recent_count++;
}

/* An address as a zigzag difference from the context's last one, which it becomes. */
static inline uint64_t address_delta(struct lh_ring *r, uint64_t address) {
  uint64_t z = zigzag((int64_t)(address - r->address));
  r->address = address;
  return z;
}

static inline void write_event(struct lh_ring *r, const struct lh_event *e) {
  if (e->kind == LH_EVENT_TIME) {
    r->time = e->value;
    return;
  }
  if (r != context || r->context != context_id) repeats_break(), enter(r);
  if (r->time != lh_time_written) {
    repeats_break();
    uint8_t *payload = lh_begin_record(TAG_TICK);
    lh_end_record(payload, lh_put_time(payload, r->time));
  }
  /* realloc(NULL, n) is an allocation */
  uint32_t kind = e->kind == LH_EVENT_REALLOC && !e->value ? LH_EVENT_ALLOC : e->kind;
  struct compact *c = back(0);
  c->tag = kind == LH_EVENT_ALLOC ? TAG_SHORTALLOC : kind == LH_EVENT_FREE ? TAG_SHORTFREE : TAG_SHORTREALLOC;
  c->first = address_delta(r, kind == LH_EVENT_REALLOC ? e->value : e->address);
  c->second = kind == LH_EVENT_REALLOC ? address_delta(r, e->address) : 0;
  c->info = kind == LH_EVENT_FREE ? 0 : e->info;
  if (kind != LH_EVENT_FREE) lh_allocation_count++;
  write_compact(c);
}

static void write_until(struct run *run, uint64_t until) {
  for (; run->at < until; run->at++) write_event(run->ring, event_at(run->ring, run->at));
}

/* Several threads' events: each ring's in order, the shared addresses' in number order. */
static void write_merged(size_t n) {
  if (++pass_number == 0) pass_number = 1;
  for (size_t i = 0; i < n; i++) {
    for (uint64_t at = runs[i].at; at < runs[i].end; at++) {
      const struct lh_event *e = event_at(runs[i].ring, at);
      if (e->kind == LH_EVENT_TIME) continue;
      mark(e->address, (uint32_t)i);
      if (e->kind == LH_EVENT_REALLOC && e->value) mark(e->value, (uint32_t)i);
    }
  }
  for (size_t i = 0; i < n; i++) runs[i].shared = next_shared(&runs[i], runs[i].at);
  for (;;) {
    struct run *first = NULL;
    for (size_t i = 0; i < n; i++) {
      struct run *run = &runs[i];
      if (run->shared < run->end &&
          (!first || event_at(run->ring, run->shared)->sequence < event_at(first->ring, first->shared)->sequence))
        first = run;
    }
    if (!first) break;
    write_until(first, first->shared + 1);
    first->shared = next_shared(first, first->at);
  }
  for (size_t i = 0; i < n; i++) write_until(&runs[i], runs[i].end);
}

/* Room for `n` runs; 0 if none could be mapped. */
static int run_space(size_t n) {
  if (n <= run_room) return 1;
  size_t room = run_room ? run_room * 2 : 64;
  while (room < n) room *= 2;
  struct run *more = mmap(NULL, room * sizeof *more, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (more == MAP_FAILED) return 0;
  if (runs) munmap(runs, run_room * sizeof *runs);
  runs = more;
  run_room = room;
  return 1;
}

uint64_t lh_merge_pass(void) {
  uint64_t limit = 2 * __atomic_load_n(&lh_sequence.value, __ATOMIC_SEQ_CST);
  size_t n = 0, rings = 0;
  for (struct lh_ring *r = __atomic_load_n(&lh_rings, __ATOMIC_ACQUIRE); r; r = r->next) rings++;
  if (!run_space(rings)) return 0;
  uint64_t events = 0;
  for (struct lh_ring *r = lh_rings; r && n < rings; r = r->next) {
    uint64_t at = r->tail, end = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    while (end > at && event_at(r, end - 1)->sequence > limit) end--;
    if (end > at) runs[n++] = (struct run){r, at, end, end};
    events += end - at;
  }
  recent_count = 0;
  if (n == 1) write_until(&runs[0], runs[0].end);
  else if (n > 1) write_merged(n);
  repeats_break(); /* others write records between passes */
  for (size_t i = 0; i < n; i++) {
    struct lh_ring *r = runs[i].ring;
    __atomic_store_n(&r->tail, runs[i].end, __ATOMIC_RELEASE);
    __atomic_fetch_add(&r->passes, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->waiting, __ATOMIC_SEQ_CST)) syscall(SYS_futex, &r->passes, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
  for (struct lh_ring *r = lh_rings; r; r = r->next)
    if (r->dead && r->tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE)) r->tid = 0, r->dead = 0;
  return events;
}

/* A new stream: the next compact record starts with its context. */
void lh_merge_reset(void) {
  context = NULL;
  recent_count = pending = 0;
  lh_allocation_count = 0;
}
