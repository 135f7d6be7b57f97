/*
 * The interposed allocation functions. Each calls the next allocator (allocator.c),
 * then records the event with its caller's frame and return address, so the stack
 * starts at the code that asked for memory. A free is recorded before the memory is
 * released: once released, another thread may get the same address, and its alloc
 * must come after this free in the file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "allocator.h"
#include "lh_record.h"

#define CALLER __builtin_frame_address(0), __builtin_return_address(0)
#define EXPORT __attribute__((visibility("default"), noinline))

static inline void *recorded(void *p, size_t size, void *frame, void *ret) {
  if (p && !lh_skips_alloc(size) && lh_active()) lh_record_alloc(p, size, frame, ret);
  return p;
}

EXPORT void *malloc(size_t size) { return recorded(lh_next.malloc(size), size, CALLER); }

EXPORT void free(void *p) {
  if (lh_from_arena(p)) return;
  if (p && !lh_skips_free(p) && lh_active()) lh_record_free(p);
  lh_next.free(p);
}

EXPORT void *calloc(size_t n, size_t size) {
  return recorded(lh_next.calloc(n, size), n * size, CALLER);
}

/* Memory from the start-up arena moves to the real allocator. */
static void *from_arena(void *old, size_t size) {
  void *p = lh_next.malloc(size);
  if (p) memcpy(p, old, lh_arena_size(old) < size ? lh_arena_size(old) : size);
  return p;
}

EXPORT void *realloc(void *old, size_t size) {
  if (lh_from_arena(old)) return recorded(from_arena(old, size), size, CALLER);
  if (!lh_active()) return lh_next.realloc(old, size);
  return lh_record_realloc(old, size, CALLER);
}

EXPORT void *reallocarray(void *old, size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  if (lh_from_arena(old)) return recorded(from_arena(old, bytes), bytes, CALLER);
  if (!lh_active()) return lh_next.realloc(old, bytes);
  return lh_record_realloc(old, bytes, CALLER);
}

EXPORT void *memalign(size_t alignment, size_t size) {
  return recorded(lh_next.memalign(alignment, size), size, CALLER);
}

EXPORT void *aligned_alloc(size_t alignment, size_t size) {
  return recorded(lh_next.memalign(alignment, size), size, CALLER);
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = lh_next.memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = recorded(p, size, CALLER);
  return 0;
}

EXPORT void *valloc(size_t size) { return recorded(lh_next.valloc(size), size, CALLER); }

EXPORT void *pvalloc(size_t size) { return recorded(lh_next.pvalloc(size), size, CALLER); }

/*
 * strdup and strndup are interposed too: libc is built without frame pointers, so
 * a frame-pointer walk from a malloc called inside libc would lose the caller.
 */
EXPORT char *strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = lh_next.malloc(n);
  if (p) memcpy(p, s, n);
  return recorded(p, n, CALLER);
}

EXPORT char *strndup(const char *s, size_t max) {
  size_t n = strnlen(s, max);
  char *p = lh_next.malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = 0;
  }
  return recorded(p, n + 1, CALLER);
}

/*
 * C++ operator new/delete, interposed directly for the same reason (libstdc++'s
 * operator new keeps no frame pointer). On failure the real operator new runs, so
 * new_handler and std::bad_alloc behave as without the recorder.
 */
typedef void *(*new_fn)(size_t);

static void *real_new(const char *name, size_t size) {
  new_fn real = (new_fn)dlsym(RTLD_NEXT, name);
  return real(size);
}

static inline void *new_of(size_t size, const char *name, void *frame, void *ret) {
  void *p = lh_next.malloc(size ? size : 1);
  if (!p) return real_new(name, size);
  return recorded(p, size, frame, ret);
}

EXPORT void *_Znwm(size_t size) { return new_of(size, "_Znwm", CALLER); }
EXPORT void *_Znam(size_t size) { return new_of(size, "_Znam", CALLER); }
EXPORT void _ZdlPv(void *p) { free(p); }
EXPORT void _ZdaPv(void *p) { free(p); }
EXPORT void _ZdlPvm(void *p, size_t size) { (void)size; free(p); }
EXPORT void _ZdaPvm(void *p, size_t size) { (void)size; free(p); }

/* _exit skips destructors: flush what was recorded first. */
EXPORT void _exit(int status) {
  lh_record_finish();
  for (;;) syscall(SYS_exit_group, status);
}
