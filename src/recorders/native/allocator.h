/* allocator.c: the allocator after the recorder (glibc's, or the program's own) */
#ifndef LH_ALLOCATOR_H
#define LH_ALLOCATOR_H

#include <stddef.h>

struct lh_allocator {
  void *(*malloc)(size_t);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*usable_size)(void *);
};
extern struct lh_allocator lh_next;
void lh_allocator_resolve(void);
int lh_from_arena(const void *p);  /* memory handed out while resolving: never freed */
size_t lh_arena_size(const void *p);

#endif
