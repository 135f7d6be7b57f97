/*
 * The native fuzz seed: a few hundred allocations in two threads (kept, freed,
 * reallocated), so a recording of it has every native record kind and stays small.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 150

static void *kept[ROUNDS];

__attribute__((noinline)) static char *make_buffer(size_t n) {
  char *p = malloc(n);
  memset(p, 'x', n);
  return p;
}

static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    char *tmp = make_buffer(32 + i);
    tmp = realloc(tmp, 64 + 2 * i);
    free(tmp);
    if (id == 0) kept[i] = calloc(1, 48);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, (void *)1);
  worker((void *)0);
  pthread_join(t, NULL);
  return kept[0] == NULL;
}
