/*
 * The stack and frame tables under several threads, used as the hot path uses them:
 * lh_stack_find without the lock, then lh_stack_id under it. Writers insert the
 * same keys in different orders while a reader looks them up: every key must get
 * one id whoever inserts it, ids must be distinct, a lock-free lookup must give
 * either nothing or the key's id, and each frame address must be in the frame
 * table once. Some keys share a slot (long probe chains), some pairs share a hash
 * and differ in depth (different stacks).
 */
#include <pthread.h>
#include "unit.h"

#define KEYS 20000
#define WRITERS 4

static uint32_t ids[WRITERS][KEYS];
static uint32_t seen[KEYS]; /* the reader's lookups: 0 or the id */
static int wrong_lookup, writers_done;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdu;
  return x ^ (x >> 29);
}

/* Key k's stack: 1–8 frames of addresses no other key has. */
static void stack_of(uint32_t key, struct lh_stack *s) {
  s->depth = 1 + key % 8;
  for (uint32_t j = 0; j < s->depth; j++) s->frames[j] = 0x400000 + (uintptr_t)key * 64 + j * 8;
  uint32_t base = key & ~1u; /* keys 2n and 2n+1 share a hash; their depths differ */
  s->hash = mix(base);
  if (base % 32 == 0) s->hash = (s->hash & ~(uint64_t)0xfffff) | 12345; /* one slot for 1 key in 32 */
}

static void *writer(void *arg) {
  int w = (int)(intptr_t)arg;
  static const uint32_t strides[WRITERS] = {1, 3, 7, 9}; /* coprime with KEYS: each a permutation */
  for (uint32_t i = 0; i < KEYS; i++) {
    uint32_t key = (uint32_t)(((uint64_t)i * strides[w] + (uint64_t)w * 5000) % KEYS);
    struct lh_stack s;
    stack_of(key, &s);
    uint32_t found = lh_stack_find(&s);
    lh_lock();
    uint32_t id = lh_stack_id(&s);
    lh_unlock();
    if (found && found != id) __atomic_store_n(&wrong_lookup, 1, __ATOMIC_RELAXED);
    ids[w][key] = id;
  }
  return NULL;
}

static void *reader(void *unused) {
  (void)unused;
  while (!__atomic_load_n(&writers_done, __ATOMIC_ACQUIRE))
    for (uint32_t key = 0; key < KEYS; key += 7) {
      struct lh_stack s;
      stack_of(key, &s);
      uint32_t id = lh_stack_find(&s);
      if (id && seen[key] && seen[key] != id) __atomic_store_n(&wrong_lookup, 1, __ATOMIC_RELAXED);
      if (id) seen[key] = id;
    }
  return NULL;
}

static int by_value(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  const char *path = record_to("tables");
  pthread_t threads[WRITERS + 1];
  pthread_create(&threads[WRITERS], NULL, reader, NULL);
  for (int w = 0; w < WRITERS; w++) pthread_create(&threads[w], NULL, writer, (void *)(intptr_t)w);
  for (int w = 0; w < WRITERS; w++) pthread_join(threads[w], NULL);
  __atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
  pthread_join(threads[WRITERS], NULL);

  int agree = 1, found_after = 1, reader_agrees = 1, frames_expected = 1;
  static uint32_t by_id[KEYS + 2];
  int distinct = 1;
  for (uint32_t key = 0; key < KEYS; key++) {
    uint32_t id = ids[0][key];
    for (int w = 1; w < WRITERS; w++) agree &= ids[w][key] == id;
    if (id == 0 || id > KEYS || by_id[id]) distinct = 0;
    else by_id[id] = key + 1;
    struct lh_stack s;
    stack_of(key, &s);
    found_after &= lh_stack_find(&s) == id;
    reader_agrees &= !seen[key] || seen[key] == id;
    frames_expected += (int)s.depth;
  }
  check(agree, "every thread gets the same id for a stack", "two threads got different ids for one stack");
  check(distinct, "different stacks get distinct ids, 1 to N", "an id is 0, out of range, or given to two stacks");
  check(!wrong_lookup && reader_agrees, "a lock-free lookup gives nothing or the stack's id", "a lookup gave another id");
  check(found_after, "every stack is found lock-free once inserted", "an inserted stack was not found");

  uint32_t count;
  const uintptr_t *addresses = lh_frame_addresses(&count);
  uintptr_t *sorted = malloc(count * sizeof *sorted);
  memcpy(sorted, addresses, count * sizeof *sorted);
  qsort(sorted + 1, count - 1, sizeof *sorted, by_value); /* id 0 is the unknown frame */
  int unique = 1;
  for (uint32_t i = 2; i < count; i++) unique &= sorted[i] != sorted[i - 1];
  char why[96];
  snprintf(why, sizeof why, "%u frame ids for %d addresses (with the unknown frame)", count, frames_expected);
  check((int)count == frames_expected && unique, "each frame address has one id", why);
  lh_record_finish();

  static uint8_t defined[KEYS + 1];
  int stacks = 0, twice = 0;
  struct stream st = open_stream(path);
  struct record r;
  while (next_record(&st, &r))
    if (r.tag == STACK) {
      uint64_t id = field(&r, &st);
      if (id > KEYS || defined[id]++) twice = 1;
      stacks++;
    }
  check(!st.bad && stacks == KEYS + 1 && !twice, "each stack is written once", "stack records missing or repeated");
  return failures ? 1 : 0;
}
