/*
 * The sampled mode (LEAKHOUND_SAMPLE=<bytes>, `record --sample`): one allocation per
 * `lh_sample_interval` bytes allocated on average, picked as tcmalloc and jemalloc
 * do. Each thread counts down the bytes it allocates; the allocation that takes the
 * count past zero is sampled and the count starts again from an exponential draw
 * (mean: the interval). So every byte is equally likely to be picked: an allocation
 * of s bytes is sampled with probability 1 − e^(−s/interval), and stands for s
 * divided by that (its weight, written in its info record). An unsampled allocation
 * costs the countdown and nothing else.
 *
 * A free must tell, without a lock, whether its pointer was sampled: the sampled
 * addresses alive are kept in a table of 64-byte buckets of 8 addresses, chosen by
 * a hash of the address, with a byte per bucket counting them. A free reads that
 * byte, and the bucket (one cache line) only when it is not 0; a sampled allocation
 * takes an empty slot in its bucket with a compare-and-swap, and its free empties
 * it. An allocation whose bucket is full is left unsampled and the next one is
 * sampled instead: at 2^15 buckets that takes tens of thousands of sampled
 * allocations alive (gigabytes of heap at 64 KiB).
 *
 * The draws are a fixed sequence for each thread, in the order threads first
 * allocate: a program of one thread doing fixed work gets the same samples each run.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sys/mman.h>
#include "leakhound.h"

uint64_t lh_sample_interval;

#define BUCKETS (1u << 15)
#define SLOTS 8
struct bucket {
  uint64_t address[SLOTS];
} __attribute__((aligned(64)));
static struct bucket *buckets;
/* How many addresses each bucket holds: the free of an unsampled pointer reads one byte of 32 KiB, not a line of 2 MiB. */
static uint8_t *held;

static LH_TLS int64_t countdown;
static LH_TLS uint64_t random_state; /* 0: this thread has not drawn yet */
static uint32_t threads_drawing;

/* xorshift64*: a uniform draw in (0, 1). */
static double uniform(void) {
  uint64_t x = random_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  random_state = x;
  return ((double)((x * 0x2545f4914f6cdd1dull) >> 11) + 0.5) / 9007199254740992.0;
}

static int64_t next_countdown(void) {
  double bytes = -log(uniform()) * (double)lh_sample_interval;
  return bytes < 1 ? 1 : bytes > 1e15 ? (int64_t)1e15 : (int64_t)bytes;
}

#define TABLE_BYTES (BUCKETS * sizeof(struct bucket) + BUCKETS)

int lh_sampling_start(uint64_t interval) {
  void *table = mmap(NULL, TABLE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (table == MAP_FAILED) return 0;
  buckets = table;
  held = (uint8_t *)(buckets + BUCKETS);
  lh_sample_interval = interval;
  return 1;
}

uint64_t lh_sample_weight(uint64_t size) {
  double p = -expm1(-(double)size / (double)lh_sample_interval);
  return p > 0 ? (uint64_t)((double)size / p + 0.5) : size;
}

static inline uint32_t bucket_of(uint64_t address) {
  return (uint32_t)((address * 0x9e3779b97f4a7c15ull) >> 40) & (BUCKETS - 1);
}

/* Keeps the address as sampled; 0 when its bucket is full. */
static int keep(uint64_t address) {
  uint32_t k = bucket_of(address);
  for (int i = 0; i < SLOTS; i++) {
    uint64_t empty = 0;
    if (__atomic_compare_exchange_n(&buckets[k].address[i], &empty, address, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      __atomic_add_fetch(&held[k], 1, __ATOMIC_RELEASE);
      return 1;
    }
  }
  return 0;
}

/* Most allocations: not this one. Counted even inside the recorder, which allocates little. */
int lh_sample_skips(size_t size) { return (countdown -= (int64_t)size) > 0; }

/* Most frees: a byte that says no sampled address shares the pointer's bucket. */
int lh_sample_skips_free(void *ptr) { return !__atomic_load_n(&held[bucket_of((uintptr_t)ptr)], __ATOMIC_ACQUIRE); }

int lh_sample_take(void *ptr, size_t size) {
  if (!random_state) {
    /* A thread's first allocation: its draws start, the first setting its count. */
    uint32_t n = __atomic_add_fetch(&threads_drawing, 1, __ATOMIC_RELAXED);
    random_state = 0x9e3779b97f4a7c15ull * n ^ 0x5851f42d4c957f2dull;
    countdown = next_countdown() - (int64_t)size;
    if (countdown > 0) return 0;
  }
  if (!keep((uintptr_t)ptr)) return 0; /* countdown stays spent: the next allocation is sampled */
  countdown = next_countdown();
  return 1;
}

void lh_sample_keep(void *ptr) { keep((uintptr_t)ptr); }

int lh_sample_forget(void *ptr) {
  uint64_t address = (uintptr_t)ptr;
  uint32_t k = bucket_of(address);
  for (int i = 0; i < SLOTS; i++)
    if (__atomic_load_n(&buckets[k].address[i], __ATOMIC_RELAXED) == address) {
      __atomic_store_n(&buckets[k].address[i], 0, __ATOMIC_RELAXED);
      __atomic_sub_fetch(&held[k], 1, __ATOMIC_RELEASE);
      return 1;
    }
  return 0;
}

/* A new stream (a forked child's): the parent's samples are not its own to free. */
void lh_sampling_reset(void) {
  if (buckets) madvise(buckets, TABLE_BYTES, MADV_DONTNEED);
}
