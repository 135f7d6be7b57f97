/*
 * What the native benchmark programs share: `prog [threads] [work]` runs `worker`
 * on that many threads (on the main thread alone for one), each given an equal share
 * of the work in *per_thread. Returns the exit status: 2 for arguments out of range.
 */
#include <pthread.h>
#include <stdlib.h>

static int run_workers(int argc, char **argv, unsigned long default_work, unsigned long *per_thread, void *(*worker)(void *)) {
  unsigned long threads = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
  unsigned long work = argc > 2 ? strtoul(argv[2], NULL, 10) : default_work;
  if (threads < 1 || threads > 64 || work < threads) return 2;
  *per_thread = work / threads;
  if (threads == 1) {
    worker(NULL);
    return 0;
  }
  pthread_t t[64];
  for (unsigned long i = 0; i < threads; i++)
    if (pthread_create(&t[i], NULL, worker, NULL) != 0) return 2;
  for (unsigned long i = 0; i < threads; i++) pthread_join(t[i], NULL);
  return 0;
}
