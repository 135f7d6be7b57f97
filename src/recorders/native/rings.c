/*
 * Each thread's events go to a ring of its own (struct lh_ring, leakhound.h), mapped
 * outside the program's allocator. The thread writes an event and publishes its head;
 * the flusher's pass (merge.c) reads up to the head and moves the tail. Nothing is
 * locked on the way: an event costs its sequence number (the order merge.c
 * restores: an atomic increment for a free, a load for an allocation) and 32 bytes
 * written.
 *
 * A thread takes a ring at its first event, under the lock, with its thread record.
 * Once the thread has exited (lh_rings_reap) and its ring is empty, the ring is free
 * for the next new thread. A forked child empties every ring: their events are its
 * parent's.
 *
 * A sampled mode can decide in front of lh_record_event, in the hooks' thread: a
 * thread-local countdown of bytes, and no event at all for an unsampled allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "leakhound.h"

struct lh_sequence lh_sequence;
struct lh_ring *lh_rings;
uint32_t lh_stream_number;

/*
 * Set when a second thread takes a ring. Until then there is nothing to order and
 * events are numbered 0, sparing the atomic increment: an event of another thread
 * that depends on one of them comes after the other thread took its ring, so its
 * number is higher.
 */
static volatile int threaded;

int lh_rings_threaded(void) { return threaded; }
static uint32_t contexts; /* context ids given out in this stream */

/* The thread's own: one block of thread-local words, reached with one address. */
static LH_TLS struct {
  struct lh_ring *ring;
  uint32_t stream;         /* the stream `ring` was taken in: a forked child takes another */
  uint32_t events_since_clock, seen_tick;
  uint64_t clock;          /* the time of its events, from the last clock reading */
  uint64_t time_in_ring;   /* the time of its last time event */
  uint64_t room;           /* the ring has room up to this head, as its tail was last read */
} own;

static struct lh_ring *take_ring(void) {
  lh_lock();
  struct lh_ring *r = NULL;
  if (lh_recording()) {
    for (r = lh_rings; r && r->tid; r = r->next) {}
    if (!r) {
      r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (r == MAP_FAILED) {
        r = NULL;
      } else {
        r->next = lh_rings;
        __atomic_store_n(&lh_rings, r, __ATOMIC_RELEASE);
      }
    }
    if (r) {
      for (struct lh_ring *other = lh_rings; other; other = other->next)
        if (other->tid) threaded = 1;
      r->tid = (uint32_t)syscall(SYS_gettid);
      r->thread = lh_thread_record(r->tid);
      r->dead = 0;
      r->context = ++contexts;
      r->context_written = 0;
      r->address = 0;
    }
  }
  lh_unlock();
  own.ring = r;
  own.stream = lh_stream_number;
  own.time_in_ring = UINT64_MAX; /* a new ring starts with its time */
  own.room = 0;
  return r;
}

/*
 * Event times: the clock is read every 32nd event, or sooner when the flusher's 10 ms
 * tick has passed, and kept to multiples of lh_time_step (a power of two, recorder.c).
 * A time event goes in the ring only when the thread's time moves.
 */
static inline uint64_t event_time(void) {
  if (++own.events_since_clock >= 32 || own.seen_tick != lh_clock_tick) {
    own.events_since_clock = 0;
    own.seen_tick = lh_clock_tick;
    own.clock = lh_now() & ~(lh_time_step - 1);
  }
  return own.clock;
}

/* Room for `n` events: the flusher is woken and waited for (or the pass run here, without one). */
static int make_room(struct lh_ring *r, uint64_t n) {
  while (r->head + n - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > LH_RING_EVENTS) {
    if (!lh_recording()) return 0;
    if (lh_flusher_running()) {
      uint32_t passes = __atomic_load_n(&r->passes, __ATOMIC_ACQUIRE);
      __atomic_store_n(&r->waiting, 1, __ATOMIC_SEQ_CST);
      lh_wake_flusher();
      if (r->head + n - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > LH_RING_EVENTS) {
        struct timespec most = {0, 1000000}; /* 1 ms: a flusher that ended meanwhile is noticed */
        syscall(SYS_futex, &r->passes, FUTEX_WAIT_PRIVATE, passes, &most, NULL, 0);
      }
      r->waiting = 0;
    } else {
      lh_lock();
      if (lh_recording()) lh_merge_pass();
      lh_unlock();
    }
  }
  return 1;
}

static inline void put(struct lh_ring *r, uint64_t at, uint64_t sequence, uint32_t kind, uint64_t address, uint64_t value, uint32_t info) {
  struct lh_event *e = &r->events[at & (LH_RING_EVENTS - 1)];
  e->sequence = sequence;
  e->address = address;
  e->value = value;
  e->info = info;
  e->kind = kind;
}

/*
 * An event's number: a free (or realloc) takes the next value of the counter, 2n; an
 * allocation reads it, 2n + 1, with no write to the line every thread shares. The
 * allocation is numbered after the allocator handed the memory out, so after the
 * free that gave it back; a free after the allocation it frees, even on another
 * thread, as that thread had the address only once the allocation was numbered.
 */
static inline uint64_t event_number(uint32_t kind) {
  if (kind == LH_EVENT_ALLOC) return 2 * __atomic_load_n(&lh_sequence.value, __ATOMIC_SEQ_CST) + 1;
  return 2 * __atomic_add_fetch(&lh_sequence.value, 1, __ATOMIC_SEQ_CST);
}

void lh_record_event(uint32_t kind, uint64_t address, uint64_t value, uint32_t info) {
  struct lh_ring *r = own.ring;
  if (__builtin_expect(!r || own.stream != lh_stream_number, 0) && !(r = take_ring())) return;
  uint64_t time = event_time();
  if (__builtin_expect(r->head + 2 > own.room, 0)) { /* the tail, on the flusher's cache line, is read only then */
    if (!make_room(r, 2)) return;
    own.room = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) + LH_RING_EVENTS;
  }
  uint64_t sequence = threaded ? event_number(kind) : 0;
  uint64_t head = r->head;
  if (time != own.time_in_ring) {
    own.time_in_ring = time;
    put(r, head++, sequence, LH_EVENT_TIME, 0, time, 0); /* the same number: never taken without its event */
  }
  put(r, head++, sequence, kind, address, value, info);
  __atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
  if ((head & (LH_RING_EVENTS / 4 - 1)) < 2 && head - r->tail >= LH_RING_EVENTS / 2) lh_wake_flusher();
}

/* A ring whose thread is gone (no such tid) is freed by the pass that empties it. */
void lh_rings_reap(void) {
  pid_t pid = getpid();
  for (struct lh_ring *r = lh_rings; r; r = r->next)
    if (r->tid && !r->dead && syscall(SYS_tgkill, pid, r->tid, 0) != 0 && errno == ESRCH) r->dead = 1;
}

void lh_rings_reset(void) {
  lh_stream_number++;
  threaded = 0;
  contexts = 0;
  for (struct lh_ring *r = lh_rings; r; r = r->next) {
    r->tail = r->head;
    r->tid = 0;
    r->dead = 0;
  }
}
