/*
 * The recorder's overhead benchmark: malloc(64)/free pairs made five calls deep
 * (noinline), on 1 thread or split over N. Fixed work, no output.
 *
 *   alloc [threads] [pairs]        defaults: 1 thread, 5,000,000 pairs in all
 */
#include "workers.h"
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

volatile unsigned long sink;

NOINLINE void *level5(unsigned long i) {
  char *p = malloc(64);
  p[0] = (char)i;
  return p;
}
NOINLINE void *level4(unsigned long i) { void *p = level5(i); __asm__ volatile("" ::: "memory"); return p; }
NOINLINE void *level3(unsigned long i) { void *p = level4(i); __asm__ volatile("" ::: "memory"); return p; }
NOINLINE void *level2(unsigned long i) { void *p = level3(i); __asm__ volatile("" ::: "memory"); return p; }

NOINLINE unsigned long level1(unsigned long pairs) {
  unsigned long sum = 0;
  for (unsigned long i = 0; i < pairs; i++) {
    char *p = level2(i);
    sum += (unsigned char)p[0];
    free(p);
  }
  return sum;
}

static unsigned long pairs_per_thread;

static void *worker(void *unused) {
  (void)unused;
  __atomic_fetch_add(&sink, level1(pairs_per_thread), __ATOMIC_RELAXED);
  return NULL;
}

int main(int argc, char **argv) { return run_workers(argc, argv, 5000000, &pairs_per_thread, worker); }
