/*
 * The allocator the hooks hand the work to: the next one after the recorder in the
 * program's symbol lookup order (glibc's, or jemalloc, tcmalloc, mimalloc when the
 * program uses one), found with dlsym(RTLD_NEXT) on first use.
 *
 * dlsym itself may allocate (calloc for its error buffer), which would come back
 * here before the answer is known: such requests, from the thread that is
 * resolving, are served from a small static arena whose memory is never freed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include "leakhound.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern size_t malloc_usable_size(void *);

static void *first_malloc(size_t size);
static void *first_calloc(size_t n, size_t size);
static void *first_realloc(void *p, size_t size);
static void first_free(void *p);
static void *first_memalign(size_t alignment, size_t size);
static void *first_valloc(size_t size);
static void *first_pvalloc(size_t size);
static size_t first_usable_size(void *p);

struct lh_allocator lh_next = {first_malloc, first_calloc,   first_realloc,    first_free,
                               first_memalign, first_valloc, first_pvalloc, first_usable_size};

/* ---- the arena for dlsym's own allocations ---- */

static _Alignas(16) char arena[64 * 1024];
static size_t arena_used;

int lh_from_arena(const void *p) { return (const char *)p >= arena && (const char *)p < arena + sizeof arena; }

static void *arena_alloc(size_t size) {
  size_t need = ((size + 15) & ~(size_t)15) + 16;
  size_t at = __atomic_fetch_add(&arena_used, need, __ATOMIC_RELAXED);
  if (at + need > sizeof arena) return NULL;
  memcpy(arena + at, &size, sizeof size); /* the size, for realloc */
  return arena + at + 16;
}

size_t lh_arena_size(const void *p) {
  size_t size;
  memcpy(&size, (const char *)p - 16, sizeof size);
  return size;
}

/* ---- resolving ---- */

static LH_TLS int resolving_here;
static volatile int state; /* 0 unresolved, 1 resolving, 2 resolved */

#define NEXT(name, fallback) ((__typeof__(fallback) *)(dlsym(RTLD_NEXT, name) ?: (void *)fallback))

/* 1 when lh_next is ready; 0 when the caller must use the arena (dlsym is running on this thread). */
static int resolve(void) {
  if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == 2) return 1;
  if (resolving_here) return 0;
  int expected = 0;
  if (!__atomic_compare_exchange_n(&state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2) sched_yield(); /* another thread is resolving */
    return 1;
  }
  resolving_here = 1;
  struct lh_allocator next = {
      NEXT("malloc", __libc_malloc),     NEXT("calloc", __libc_calloc), NEXT("realloc", __libc_realloc),
      NEXT("free", __libc_free),         NEXT("memalign", __libc_memalign), NEXT("valloc", __libc_valloc),
      NEXT("pvalloc", __libc_pvalloc),   NEXT("malloc_usable_size", malloc_usable_size),
  };
  lh_next = next;
  resolving_here = 0;
  __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
  return 1;
}

void lh_allocator_resolve(void) { resolve(); }

static void *first_malloc(size_t size) { return resolve() ? lh_next.malloc(size) : arena_alloc(size); }

static void *first_calloc(size_t n, size_t size) {
  if (resolve()) return lh_next.calloc(n, size);
  size_t bytes;
  return __builtin_mul_overflow(n, size, &bytes) ? NULL : arena_alloc(bytes); /* static memory is zeroed */
}

static void *first_realloc(void *p, size_t size) {
  if (resolve()) return lh_next.realloc(p, size);
  void *q = arena_alloc(size);
  if (q && p) memcpy(q, p, lh_arena_size(p) < size ? lh_arena_size(p) : size);
  return q;
}

static void first_free(void *p) {
  if (resolve()) lh_next.free(p);
}

static void *first_memalign(size_t alignment, size_t size) {
  return resolve() ? lh_next.memalign(alignment, size) : NULL;
}

static void *first_valloc(size_t size) { return resolve() ? lh_next.valloc(size) : NULL; }

static void *first_pvalloc(size_t size) { return resolve() ? lh_next.pvalloc(size) : NULL; }

static size_t first_usable_size(void *p) { return resolve() ? lh_next.usable_size(p) : 0; }
