/*
 * The recorder's state and its .lhp stream (docs/FORMAT.md).
 *
 * Events go to their thread's ring (rings.c) without a lock. A flusher thread takes
 * them from there (merge.c), into the stream's buffer, whenever a ring fills up
 * and every 10 ms; it writes the buffer (output.c) when it fills and every 100 ms
 * (so a SIGKILL loses at most that much), samples the resident set size, records
 * SIGUSR2 dump marks, picks up newly loaded modules, and ends the stream when a
 * terminating signal asks. A spin lock guards the buffer and the tables: taken for
 * what is written once (a new stack, a new thread) and by the flusher's pass.
 * The API the hooks call is lh_record.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "leakhound.h"
#include "lh_tags.h"

enum { OFF, ON, DONE };

LH_TLS int lh_busy;

static volatile int state = OFF;
static volatile int lock_word;
static int fd = -1;
static int follow = 1;
static char out_path[4096];
static char stream_path[4200];

uint64_t lh_time_written;
static uint32_t next_string = 1;
static uint32_t rss_series;
static uint32_t cpu_series; /* sampled: the work clock (src/diagnose/work-clock.ts) */
static pid_t stream_pid; /* the process the stream records */

static volatile sig_atomic_t dump_requested;
static volatile int flusher_wanted;   /* a forked child starts its flusher at its first event */
static volatile int flusher_running;  /* this process has a flusher thread */
static volatile int end_requested;    /* a terminating signal asks the flusher to end the stream */
static volatile int stream_ended;     /* the stream is complete, or can no longer be written */

/* ---- lock ---- */

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ volatile("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* Test and test-and-set: waiters read the word, which keeps its cache line shared. */
static inline void lock(void) {
  unsigned spins = 0;
  while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED)) {
      if (++spins < 100) cpu_relax();
      else sched_yield();
    }
  }
}
static inline void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }
void lh_lock(void) { lock(); }
void lh_unlock(void) { unlock(); }
int lh_recording(void) { return state == ON; }
int lh_flusher_running(void) { return flusher_running; }

volatile uint32_t lh_clock_tick;

/*
 * Event times are kept to steps of about 1/4096 of the time since the start, the
 * finest the diagnosis reads (its work clock, src/diagnose/work-clock.ts), and no
 * finer than 2^20 ns (1 ms, a sixty-fourth of a 67 ms run, where the live series'
 * points are): a power of two, set by the flusher. Each step a thread's events
 * move into costs a tick record, which breaks the repetition zstd lives on: an hour
 * takes about 4,096 of them, not 3.6 million.
 */
#define MIN_TIME_STEP (1u << 20)
volatile uint64_t lh_time_step = MIN_TIME_STEP;

static void set_time_step(uint64_t now) {
  uint64_t step = MIN_TIME_STEP;
  while (step * 2 <= now / 4096) step *= 2;
  lh_time_step = step;
}

/* ---- encoding ---- */

inline uint8_t *lh_put_varint(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

uint8_t *lh_put_time(uint8_t *p, uint64_t t) {
  int64_t d = (int64_t)(t - lh_time_written);
  lh_time_written = t;
  return lh_put_varint(p, d >= 0 ? (uint64_t)d << 1 : ((uint64_t)(-(d + 1)) << 1) | 1);
}

void lh_output_failed(void) {
  state = DONE;
  __atomic_store_n(&stream_ended, 1, __ATOMIC_RELEASE);
}

/* Room for n more bytes, flushing first if needed (n is always far below the buffer). */
static inline uint8_t *reserve(size_t n) {
  if (lh_buffered + n > LH_BUFFER_SIZE) lh_output_seal();
  return lh_buffer + lh_buffered;
}

void lh_emit(uint8_t tag, const uint8_t *payload, size_t length) {
  uint8_t *p = reserve(length + 11);
  *p++ = tag;
  p = lh_put_varint(p, length);
  memcpy(p, payload, length);
  lh_buffered = (size_t)(p + length - lh_buffer);
}

uint32_t lh_emit_string(const char *text, size_t length) {
  if (length > 32768) length = 32768;
  uint32_t id = next_string++;
  uint8_t head[8];
  size_t head_length = (size_t)(lh_put_varint(head, id) - head);
  uint8_t *p = reserve(length + 24);
  *p++ = TAG_STRING;
  p = lh_put_varint(p, head_length + length);
  memcpy(p, head, head_length);
  memcpy(p + head_length, text, length);
  lh_buffered = (size_t)(p + head_length + length - lh_buffer);
  return id;
}

/* Event records are encoded in place: their payload is under 128 bytes, so its length takes one. */
inline uint8_t *lh_begin_record(uint8_t tag) {
  uint8_t *p = reserve(64);
  p[0] = tag;
  return p + 2;
}
inline void lh_end_record(uint8_t *payload, uint8_t *end) {
  payload[-1] = (uint8_t)(end - payload);
  lh_buffered = (size_t)(end - lh_buffer);
}

/* A record of a time and `count` (0–2) numbers. */
static inline void emit_timed(uint8_t tag, uint64_t time, int count, uint64_t a, uint64_t b) {
  uint8_t *payload = lh_begin_record(tag), *p = lh_put_time(payload, time);
  if (count > 0) p = lh_put_varint(p, a);
  if (count > 1) p = lh_put_varint(p, b);
  lh_end_record(payload, p);
}

static uint64_t resident_bytes(void) {
  char text[128];
  int f = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0;
  ssize_t n = read(f, text, sizeof text - 1);
  close(f);
  if (n <= 0) return 0;
  text[n] = 0;
  const char *p = strchr(text, ' ');
  return p ? strtoull(p + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/*
 * A stream names at most 65,536 threads (docs/FORMAT.md). A server starting a thread
 * per request gets past that: its later threads share one id.
 */
#define MAX_THREADS 65000
#define LATER_THREADS 0x7fffffffu
static uint32_t threads_seen;

/* Called on the thread itself, when it takes its ring (lock held). */
uint32_t lh_thread_record(uint32_t tid) {
  char name[17] = {0};
  prctl(PR_GET_NAME, name);
  if (++threads_seen > MAX_THREADS) {
    if (threads_seen > MAX_THREADS + 1) return LATER_THREADS;
    tid = LATER_THREADS;
    strcpy(name, "(later threads)");
  }
  uint32_t name_id = lh_emit_string(name, strlen(name));
  uint8_t payload[16], *p = lh_put_varint(payload, tid);
  p = lh_put_varint(p, name_id);
  lh_emit(TAG_THREAD, payload, (size_t)(p - payload));
  return tid;
}

/* ---- the stream's start ---- */

/* Opens `<base>.<pid>.lhp` (or `.<pid>.2.lhp`, … when taken) for a process other than the first. */
static int open_numbered(void) {
  size_t base = strlen(out_path);
  if (base > 4 && strcmp(out_path + base - 4, ".lhp") == 0) base -= 4;
  for (int k = 1; k < 100; k++) {
    char suffix[48];
    if (k == 1) snprintf(suffix, sizeof suffix, ".%d.lhp", (int)getpid());
    else snprintf(suffix, sizeof suffix, ".%d.%d.lhp", (int)getpid(), k);
    snprintf(stream_path, sizeof stream_path, "%.*s%s", (int)base, out_path, suffix);
    int f = open(stream_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (f >= 0 || errno != EEXIST) return f;
  }
  return -1;
}

static void frames_path(char *path, size_t size) { snprintf(path, size, "%s.frames", stream_path); }

/* Starts a fresh stream for this process image: header, process, module map. */
static int start_stream(int numbered) {
  if (numbered) {
    fd = open_numbered();
  } else {
    snprintf(stream_path, sizeof stream_path, "%s", out_path);
    fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  }
  if (fd < 0) {
    char msg[4400];
    int n = snprintf(msg, sizeof msg, "leakhound: cannot create %s: %s\n", stream_path, strerror(errno));
    if (write(2, msg, (size_t)n) < 0) { /* stderr closed */ }
    return 0;
  }
  /*
   * Out of the way of the program's own descriptors: a program that closes what it
   * did not open and opens a file would otherwise get this number, and our records.
   */
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
  if (high >= 0) {
    close(fd);
    fd = high;
  }
  lh_output_open(fd);
  stream_pid = getpid();
  char stale[4300]; /* an earlier run's frame table must not pass for this stream's */
  frames_path(stale, sizeof stale);
  unlink(stale);
  lh_clock_start();
  lh_time_step = MIN_TIME_STEP;
  lh_time_written = 0;
  next_string = 1;
  threads_seen = 0;
  lh_rings_reset();
  lh_merge_reset();
  end_requested = 0;
  stream_ended = 0;
  lh_read_cmdline();
  lh_write_header(follow);
  state = ON;
  lh_stacks_reset();
  lh_modules_reset();
  lh_write_process();
  rss_series = lh_emit_string("rss", 3);
  if (lh_sample_interval) cpu_series = lh_emit_string("leakhound.cpu", 13);
  lh_output_seal();
  return 1;
}

/* ---- flusher thread ---- */

static void end_stream(int scan_modules);

/* The flusher naps between passes; a thread whose ring fills up wakes it. */
static volatile uint32_t napping;

void lh_wake_flusher(void) {
  if (napping && __atomic_exchange_n(&napping, 0, __ATOMIC_ACQ_REL))
    syscall(SYS_futex, &napping, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void nap(uint64_t ns) {
  __atomic_store_n(&napping, 1, __ATOMIC_SEQ_CST);
  struct timespec timeout = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  syscall(SYS_futex, &napping, FUTEX_WAIT_PRIVATE, 1, &timeout, NULL, 0);
  napping = 0;
}

/*
 * The CPU time of the program's threads, the flusher's own left out: a sampled
 * recording's allocations cannot count its work (each stands for a number of bytes).
 */
static uint64_t program_cpu_ns(void) {
  struct timespec process, own;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &own);
  int64_t ns = ((int64_t)process.tv_sec - own.tv_sec) * 1000000000 + (process.tv_nsec - own.tv_nsec);
  return ns > 0 ? (uint64_t)ns : 0;
}

static void *flusher(void *unused) {
  (void)unused;
  lh_busy = 1; /* nothing this thread does is recorded */
  sigset_t all;
  sigfillset(&all);
  sigdelset(&all, SIGUSR2); /* a dump request interrupts the nap */
  pthread_sigmask(SIG_SETMASK, &all, NULL);
  prctl(PR_SET_NAME, "leakhound");
  lh_output_writer(1);
  const uint64_t period = 10000000; /* 10 ms: the clock tick and a pass; every 10th, the rest */
  uint64_t next_tick = lh_monotonic_ns() + period;
  for (unsigned ticks = 0; state == ON;) {
    if (end_requested) {
      end_stream(0); /* no module scan: the signalled thread may hold the loader's lock */
      break;
    }
    uint64_t t = lh_monotonic_ns();
    int tick = 0, rest = 0;
    if (t >= next_tick || dump_requested) {
      tick = 1;
      next_tick = t + period;
      lh_clock_tick++;
      rest = ticks++ % 10 == 0 || dump_requested;
    }
    if (rest) lh_modules_scan();
    lock();
    if (state == ON) {
      if (rest) {
        lh_rings_reap();
        lh_clock_calibrate(lh_time_written);
        set_time_step(lh_now());
      }
      lh_merge_pass();
      if (lh_sample_interval && tick) emit_timed(TAG_SAMPLE, lh_now(), 2, cpu_series, program_cpu_ns());
      if (rest) {
        emit_timed(TAG_SAMPLE, lh_now(), 2, rss_series, resident_bytes());
        if (dump_requested) {
          dump_requested = 0;
          emit_timed(TAG_MARK, lh_now(), 1, lh_emit_string("SIGUSR2 dump", 12), 0);
        }
      }
      if (rest) lh_output_seal(); /* and whenever the buffer fills: each seal costs the compression a block */
    }
    unlock();
    lh_output_drain();
    t = lh_monotonic_ns();
    /*
     * Until the next tick, or a ring half full: long runs of each thread per pass,
     * since each change of thread breaks the repetition zstd lives on.
     */
    if (t < next_tick && !end_requested && !dump_requested) nap(next_tick - t);
  }
  lh_output_writer(0);
  flusher_running = 0;
  return NULL;
}

static void start_flusher(void) {
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  flusher_running = 1; /* before it runs: a signal meanwhile waits for it */
  if (pthread_create(&thread, &attr, flusher, NULL) != 0) flusher_running = 0;
  pthread_attr_destroy(&attr);
}

/* ---- for signal handlers (preload.c): async-signal-safe ---- */

void lh_record_dump(void) { dump_requested = 1; }

static uint64_t elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)(now.tv_sec - since->tv_sec) * 1000 + (uint64_t)(now.tv_nsec / 1000000) - (uint64_t)(since->tv_nsec / 1000000);
}

/*
 * No work here: the flusher thread ends the stream (as at exit, without the module
 * scan) and this thread waits for it. The calls are all on POSIX's list of
 * async-signal-safe functions (signal-safety(7)): getpid, clock_gettime, poll
 * with no descriptors as a 5 ms sleep, and the futex system call that wakes the
 * flusher; the rest are loads and stores of volatile words, with no lock taken. The
 * flusher sees the request at once, or at its next 10 ms tick
 * (it blocks every signal but SIGUSR2, so it never runs this handler itself).
 * Nothing to wait for, at once:
 * - this thread was inside the recorder: it may hold the lock the flusher needs;
 * - the process has no flusher: a forked child before its first event (its
 *   header, process and module records are written, the end record is not);
 * - a vfork child: the stream is its parent's.
 * After LH_END_WAIT_MS (a flusher stuck behind the dynamic loader's lock, which the
 * signal may have interrupted), the stream stays as written: a readable prefix.
 */
void lh_record_end_from_signal(void) {
  if (lh_busy || getpid() != stream_pid || state != ON || !flusher_running) return;
  int saved_errno = errno;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  __atomic_store_n(&end_requested, 1, __ATOMIC_RELEASE);
  lh_wake_flusher();
  while (!__atomic_load_n(&stream_ended, __ATOMIC_ACQUIRE) && elapsed_ms(&start) < LH_END_WAIT_MS) poll(NULL, 0, 5);
  errno = saved_errno;
}

/*
 * Best effort, from the crashing thread: take the rings' events and write what is
 * buffered (unless the crash is inside the recorder, or another thread holds the
 * lock). Not
 * async-signal-safe (zstd and write from the handler): the process is dying of a
 * fault, its flusher may be the thread that faulted, and nothing may be waited for.
 */
void lh_record_crash_flush(void) {
  if (!lh_busy && !__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
    if (state == ON) lh_merge_pass();
    lh_output_seal();
    state = DONE;
    unlock();
    lh_output_drain();
  }
}

/* ---- fork: the child gets its own stream, or none with --no-follow ---- */

static void before_fork(void) {
  lh_busy = 1;
  lock();
}
static void after_fork_parent(void) {
  unlock();
  lh_busy = 0;
}
static void after_fork_child(void) {
  flusher_running = 0; /* the parent's: threads do not survive fork */
  lh_sampling_reset();
  lh_set_stack_top();
  if (fd >= 0) close(fd);
  fd = -1;
  state = DONE;
  if (follow && start_stream(1)) flusher_wanted = 1;
  unlock();
  lh_busy = 0;
}

/* ---- the hot path ---- */

int lh_active(void) { return state == ON && !lh_busy; }

static void begin_event(void) {
  lh_busy = 1;
  if (__builtin_expect(flusher_wanted, 0) && __atomic_exchange_n(&flusher_wanted, 0, __ATOMIC_ACQ_REL))
    start_flusher();
}

/*
 * An allocation's event: `ptr` is handed out, so its number comes after any free of
 * the address. A sampled recording's realloc into an unsampled block frees `old`.
 */
static void allocated(uint32_t kind, void *ptr, void *old, uint32_t info, size_t size) {
  if (state != ON) return;
  if (kind == LH_EVENT_REALLOC && lh_sample_interval && (lh_sample_skips(size) || !lh_sample_take(ptr, size))) {
    lh_record_event(LH_EVENT_FREE, (uintptr_t)old, 0, 0);
    return;
  }
  if (info) lh_record_event(kind, (uintptr_t)ptr, (uintptr_t)old, info);
}

void lh_record_alloc(void *ptr, size_t size, void *frame, void *ret) {
  if (lh_sample_interval && !lh_sample_take(ptr, size)) return;
  begin_event();
  allocated(LH_EVENT_ALLOC, ptr, NULL, lh_alloc_info(frame, ret, size), size);
  lh_busy = 0;
}

void lh_record_free(void *ptr) {
  if (lh_sample_interval && !lh_sample_forget(ptr)) return;
  begin_event();
  if (state == ON) lh_record_event(LH_EVENT_FREE, (uintptr_t)ptr, 0, 0);
  lh_busy = 0;
}

/*
 * A realloc's one event must be numbered after the new block is handed out and
 * before the old one is given back (to another thread's malloc). Once the program
 * has threads, a block that grows past its usable size is therefore moved here, by
 * malloc, copy and free; one that fits is left to the allocator, which keeps it in
 * place. A program of one thread keeps the allocator's own realloc (which grows a
 * block in place where it can: a buffer grown a little at a time is not copied each
 * time), as no other thread can take the old block meanwhile. realloc(p, 0) frees p.
 *
 * Sampled, a realloc of an unsampled block is an allocation of the new one, sampled
 * or not; a sampled block's event is a realloc if the new block is sampled too, else
 * the old one's free.
 */
void *lh_record_realloc(void *old, size_t size, void *frame, void *ret) {
  if (lh_sample_interval && !(old && lh_sample_forget(old))) {
    void *ptr = lh_next.realloc(old, size);
    if (ptr && size && !lh_sample_skips(size)) lh_record_alloc(ptr, size, frame, ret);
    return ptr;
  }
  begin_event();
  uint32_t info = lh_alloc_info(frame, ret, size);
  void *ptr;
  size_t usable = old ? lh_next.usable_size(old) : 0;
  if (old && size == 0) {
    if (state == ON) lh_record_event(LH_EVENT_FREE, (uintptr_t)old, 0, 0);
    ptr = lh_next.realloc(old, 0);
    if (ptr && !lh_sample_interval) allocated(LH_EVENT_ALLOC, ptr, NULL, info, size); /* sampled: never, at size 0 */
  } else if (!old || size <= usable || !lh_rings_threaded()) {
    ptr = lh_next.realloc(old, size);
    if (ptr) allocated(LH_EVENT_REALLOC, ptr, old, info, size);
  } else if ((ptr = lh_next.malloc(size))) {
    memcpy(ptr, old, usable);
    allocated(LH_EVENT_REALLOC, ptr, old, info, size);
    lh_next.free(old);
  }
  if (!ptr && old && size && lh_sample_interval) lh_sample_keep(old); /* it failed: the old block stays */
  lh_busy = 0;
  return ptr;
}

/*
 * Beside a cleanly finished stream, `<stream>.frames`: what the launcher needs to
 * symbolize it (the next string id, every frame address by id, the modules), so it
 * need not decompress and read the whole stream. Little-endian:
 *   "LHFRAMES", u64 allocations, u32 pid, u32 next string id, u32 frame count, u64 × frames,
 *   u32 module count, then per module u64 start, u64 end, u32 length, path.
 * The launcher deletes it; without it, the launcher reads the stream instead.
 */
static void write_frames_file(void) {
  char path[4300];
  frames_path(path, sizeof path);
  int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f < 0) return;
  uint32_t count;
  const uintptr_t *addresses = lh_frame_addresses(&count);
  uint64_t allocations = lh_allocation_count;
  uint32_t head[3] = {(uint32_t)getpid(), next_string, count};
  int ok = write(f, "LHFRAMES", 8) == 8 && write(f, &allocations, 8) == 8 && write(f, head, 12) == 12 &&
           write(f, addresses, count * sizeof *addresses) == (ssize_t)(count * sizeof *addresses);
  if (ok) lh_modules_write(f);
  close(f);
  if (!ok) unlink(path);
}

void lh_record_finish(void) {
  /* A vfork child calling _exit shares the parent's memory: the stream is not its own. */
  if (getpid() != stream_pid) return;
  end_stream(1);
}

/*
 * A last RSS sample and the end record, everything written, the frame table beside
 * the stream. `scan_modules`: look for modules loaded since the flusher's last scan
 * (not from a signal handler: that takes the dynamic loader's lock).
 */
static void end_stream(int scan_modules) {
  lh_busy = 1;
  if (scan_modules && state == ON) lh_modules_scan(); /* a short-lived process may end before the flusher's first scan */
  lock();
  int finished = state == ON;
  if (finished) {
    lh_merge_pass();
    emit_timed(TAG_SAMPLE, lh_now(), 2, rss_series, resident_bytes());
    emit_timed(TAG_END, lh_now(), 0, 0, 0);
    lh_output_seal();
    state = DONE;
  }
  unlock();
  lh_output_close();
  if (finished) {
    write_frames_file();
    __atomic_store_n(&stream_ended, 1, __ATOMIC_RELEASE);
  }
}

/* ---- start-up ---- */

static pid_t env_pid(const char *name) {
  const char *v = getenv(name);
  return v ? (pid_t)atoi(v) : 0;
}

/* Opens this process's stream and starts the flusher; 0 when it records nothing. */
static int start_recording(const char *out) {
  lh_allocator_resolve();
  snprintf(out_path, sizeof out_path, "%s", out);
  const char *unwind = getenv("LEAKHOUND_UNWIND");
  lh_unwind_mode = unwind && !strcmp(unwind, "fp") ? LH_UNWIND_FP : unwind && !strcmp(unwind, "dwarf") ? LH_UNWIND_DWARF : LH_UNWIND_AUTO;
  const char *compress = getenv("LEAKHOUND_COMPRESS");
  if (!(compress && *compress == '0')) lh_output_compression();
  const char *sample = getenv("LEAKHOUND_SAMPLE");
  uint64_t interval = sample ? strtoull(sample, NULL, 10) : 0;
  if (interval && !lh_sampling_start(interval)) return 0;
  const char *no_follow = getenv("LEAKHOUND_NO_FOLLOW");
  follow = !(no_follow && *no_follow == '1');

  /*
   * The process `record` started writes the -o file. When it execs (a wrapper
   * script, env, nice…), the new image takes the -o file over and the old image's
   * stream moves to a numbered name. Any other process writes a numbered file.
   */
  pid_t root = env_pid("LEAKHOUND_ROOT_PID");
  int numbered = 0;
  if (!root) {
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("LEAKHOUND_ROOT_PID", pid, 1);
  } else if (root == getpid()) {
    int taken = open_numbered();
    if (taken >= 0) {
      close(taken);
      rename(out_path, stream_path);
    }
  } else if (!follow) {
    return 0;
  } else {
    numbered = 1;
  }
  lh_set_stack_top();
  lh_modules_scan();
  if (!start_stream(numbered)) return 0;
  lh_modules_scan();
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  start_flusher();
  return 1;
}

int lh_record_init(const char *out) {
  if (strlen(out) >= sizeof out_path) return 0;
  lh_busy = 1;
  int recording = start_recording(out);
  lh_busy = 0;
  return recording;
}
