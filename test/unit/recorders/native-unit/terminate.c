/*
 * A terminating signal: its handler calls lh_record_end_from_signal while three
 * threads record events. When that returns, the flusher thread has ended the
 * stream: whole records, one end record and nothing after it, the frame table
 * beside it, and no more events recorded.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include "unit.h"

#define THREADS 3

static volatile int handled, recorded_after;

static void on_terminate(int sig) {
  (void)sig;
  lh_record_end_from_signal();
  handled = 1;
}

NOINLINE static void *allocate(void *arg) {
  uintptr_t base = 0x10000000 * (1 + (uintptr_t)arg);
  for (uintptr_t i = 0; lh_active(); i++) {
    lh_record_alloc((void *)(base + i * 16), 16, CALLER);
    if (lh_active()) lh_record_free((void *)(base + i * 16));
  }
  return NULL;
}

int main(void) {
  const char *path = record_to("terminate");
  signal(SIGTERM, on_terminate);
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, allocate, (void *)(intptr_t)t);
  struct timespec pause = {0, 50000000};
  nanosleep(&pause, NULL);
  raise(SIGTERM); /* handled on this thread, outside the recorder */
  int active_after = lh_active();
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

  struct stream s = open_stream(path);
  struct record r;
  int ends = 0, after_end = 0, allocs = 0;
  while (next_record(&s, &r)) {
    if (ends) after_end = 1;
    ends += r.tag == END;
    allocs += r.tag == SHORT_ALLOC;
  }
  char frames[4200];
  snprintf(frames, sizeof frames, "%s.frames", path);
  struct stat st;
  check(handled && !active_after, "the handler returns with the recording stopped", "recording still active after the handler");
  check(!s.bad && s.at == s.size && allocs > 0, "the stream is whole, with the threads' events", "a cut record, or no events");
  check(ends == 1 && !after_end, "one end record, last", "the end record is missing, repeated or not last");
  check(stat(frames, &st) == 0 && st.st_size > 8, "the frame table is beside the stream", "no .frames file");
  return failures ? 1 : 0;
}
