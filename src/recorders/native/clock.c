/*
 * The recorder's clock: nanoseconds since the stream began, on CLOCK_MONOTONIC (the
 * clock the .lhp header names). On x86-64 it reads the TSC, a third of the cost of
 * clock_gettime, scaled by a factor the flusher recalibrates against
 * CLOCK_MONOTONIC every 100 ms; until the first calibration, clock_gettime itself.
 * Read by every thread without a lock: a version count tells a reading taken while
 * the flusher recalibrates, which is taken again.
 */
#define _GNU_SOURCE
#include <time.h>
#include "leakhound.h"
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

uint64_t lh_start_ns;
static uint64_t anchor_tsc, cal_tsc, cal_ns, cal_mult; /* ns = cal_ns + (tsc - cal_tsc) * mult / 2^32 */
static uint32_t version;                               /* odd while the calibration changes */

uint64_t lh_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
uint64_t lh_now(void) {
  for (;;) {
    uint32_t v = __atomic_load_n(&version, __ATOMIC_ACQUIRE);
    uint64_t mult = cal_mult, tsc = cal_tsc, ns = cal_ns;
    if (!mult) return lh_monotonic_ns() - lh_start_ns;
    uint64_t ticks = __rdtsc() - tsc;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!(v & 1) && __atomic_load_n(&version, __ATOMIC_RELAXED) == v)
      return ns + (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
  }
}

/* `not_before`: the last time written, which the clock must not step back from. */
void lh_clock_calibrate(uint64_t not_before) {
  uint64_t ns = lh_monotonic_ns() - lh_start_ns;
  uint64_t tsc = __rdtsc();
  if (ns < 20000000 || tsc <= anchor_tsc) return;
  __atomic_store_n(&version, version + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  cal_mult = (uint64_t)(((unsigned __int128)ns << 32) / (tsc - anchor_tsc));
  cal_tsc = tsc;
  cal_ns = ns > not_before ? ns : not_before;
  __atomic_store_n(&version, version + 1, __ATOMIC_RELEASE);
}

void lh_clock_start(void) {
  lh_start_ns = lh_monotonic_ns();
  anchor_tsc = __rdtsc();
  cal_mult = 0;
}
#else
uint64_t lh_now(void) { return lh_monotonic_ns() - lh_start_ns; }
void lh_clock_calibrate(uint64_t not_before) { (void)not_before; }
void lh_clock_start(void) { lh_start_ns = lh_monotonic_ns(); }
#endif
