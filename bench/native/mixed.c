/*
 * The recorder's profile-size benchmark: a mixed workload. Each thread keeps 4,096
 * slots of live blocks and, at each step, replaces the block of a random slot: a
 * free, then a malloc of one of 24 sizes (16 B to 32 KiB, small ones likelier) from
 * one of 16 call paths (four leaf functions under four callers), or now and then a
 * realloc of the block instead. Lifetimes so range from one step to the whole run.
 * A fixed seed per thread (xorshift): the same work every run. No output.
 *
 *   mixed [threads] [steps]        defaults: 1 thread, 2,000,000 steps in all
 */
#include "workers.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

#define SLOTS 4096

static uint64_t next_random(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

/* Sizes 16 B … 32 KiB, each power of two with a few neighbours; the low bits of `r` pick, mostly small. */
static size_t size_of(uint64_t r) {
  static const size_t sizes[24] = {16,  24,  32,  40,  48,   64,   80,   96,   128,  160,  192,   256,
                                   320, 384, 512, 640, 1024, 1536, 2048, 4096, 8192, 12288, 16384, 32768};
  unsigned pick = (unsigned)(r % 24);
  return sizes[(r >> 8) % 4 ? pick % 12 : pick];
}

NOINLINE void *leaf0(size_t n) { void *p = malloc(n); memset(p, 1, n < 64 ? n : 64); return p; }
NOINLINE void *leaf1(size_t n) { void *p = malloc(n); memset(p, 2, n < 64 ? n : 64); return p; }
NOINLINE void *leaf2(size_t n) { void *p = malloc(n); memset(p, 3, n < 64 ? n : 64); return p; }
NOINLINE void *leaf3(size_t n) { void *p = malloc(n); memset(p, 4, n < 64 ? n : 64); return p; }

static void *(*const leaves[4])(size_t) = {leaf0, leaf1, leaf2, leaf3};

NOINLINE void *caller0(unsigned leaf, size_t n) { void *p = leaves[leaf](n); __asm__ volatile("" ::: "memory"); return p; }
NOINLINE void *caller1(unsigned leaf, size_t n) { void *p = leaves[leaf](n); __asm__ volatile("" ::: "memory"); return p; }
NOINLINE void *caller2(unsigned leaf, size_t n) { void *p = caller0(leaf, n); __asm__ volatile("" ::: "memory"); return p; }
NOINLINE void *caller3(unsigned leaf, size_t n) { void *p = caller1(leaf, n); __asm__ volatile("" ::: "memory"); return p; }

static void *(*const callers[4])(unsigned, size_t) = {caller0, caller1, caller2, caller3};

NOINLINE void *grow(void *p, size_t n) { return realloc(p, n); }

static unsigned long steps_per_thread;
static unsigned seeds;

static void *worker(void *unused) {
  (void)unused;
  uint64_t state = 0x9e3779b97f4a7c15u * (__atomic_add_fetch(&seeds, 1, __ATOMIC_RELAXED));
  void **slots = calloc(SLOTS, sizeof *slots);
  size_t *sizes = calloc(SLOTS, sizeof *sizes);
  for (unsigned long i = 0; i < steps_per_thread; i++) {
    uint64_t r = next_random(&state);
    unsigned slot = (unsigned)(r >> 20) % SLOTS;
    size_t n = size_of(r);
    if (slots[slot] && (r >> 40) % 16 == 0) {
      sizes[slot] += n; /* grown in place or moved: a realloc */
      slots[slot] = grow(slots[slot], sizes[slot]);
    } else {
      free(slots[slot]);
      slots[slot] = callers[(r >> 32) % 4]((unsigned)(r >> 36) % 4, n);
      sizes[slot] = n;
    }
  }
  for (unsigned s = 0; s < SLOTS; s++) free(slots[s]);
  free(slots);
  free(sizes);
  return NULL;
}

int main(int argc, char **argv) { return run_workers(argc, argv, 2000000, &steps_per_thread, worker); }
