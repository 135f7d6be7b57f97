/*
 * The stream's way to the file: a ring of buffers. Records are appended to the
 * current buffer under the recorder's lock; a full buffer is sealed and the
 * flusher thread compresses it and writes it, outside the lock, while the next
 * fills. Buffers reach the file in the order they were sealed,
 * each as whole records, so a killed process leaves a readable prefix.
 *
 * Compression (when libzstd is on the system) is one zstd frame for the whole
 * stream, flushed at the end of every buffer: each buffer's data decodes as soon as
 * it is written, and later buffers refer back to earlier ones, which is where most
 * of the redundancy is (the same stacks, sizes and addresses again and again).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "leakhound.h"

#define BUFFERS 4
static uint8_t ring[BUFFERS][LH_BUFFER_SIZE];
static size_t lengths[BUFFERS];
uint8_t *lh_buffer = ring[0];
size_t lh_buffered;

/* Buffers sealed and written since the stream began; buffer n is ring[n % BUFFERS]. */
static volatile uint32_t sealed, written;
static volatile int write_lock;
static volatile int writer_running;
static int fd = -1;
static pid_t owner; /* the process whose stream this is */

/* ---- zstd, through libzstd.so.1 if the system has it (its ABI is stable) ---- */

struct zstd_in { const void *src; size_t size, pos; };
struct zstd_out { void *dst; size_t size, pos; };
enum { ZSTD_E_FLUSH = 1, ZSTD_E_END = 2, ZSTD_C_COMPRESSION_LEVEL = 100, ZSTD_RESET_SESSION_ONLY = 1 };
typedef size_t (*stream_fn)(void *cctx, struct zstd_out *out, struct zstd_in *in, int end);
typedef size_t (*set_parameter_fn)(void *cctx, int parameter, int value);
typedef size_t (*reset_fn)(void *cctx, int reset);
typedef unsigned (*is_error_fn)(size_t code);
static void *cctx;
static stream_fn zstd_stream;
static reset_fn zstd_reset;
static is_error_fn zstd_is_error;
static uint8_t compressed[256 * 1024];
/*
 * zstd's default level: the flusher thread compresses, outside the program's threads.
 * On a recording of four threads allocating, freeing and reallocating mixed sizes
 * (test/fixtures/native/stress-threads.c) it writes 1.1 MB against level -1's
 * 1.7 MB, for the same CPU time.
 */
#define ZSTD_LEVEL 3

int lh_output_compression(void) {
  void *lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 0;
  void *(*create)(void) = (void *(*)(void))dlsym(lib, "ZSTD_createCCtx");
  set_parameter_fn set = (set_parameter_fn)dlsym(lib, "ZSTD_CCtx_setParameter");
  zstd_stream = (stream_fn)dlsym(lib, "ZSTD_compressStream2");
  zstd_reset = (reset_fn)dlsym(lib, "ZSTD_CCtx_reset");
  zstd_is_error = (is_error_fn)dlsym(lib, "ZSTD_isError");
  cctx = create && set && zstd_stream && zstd_reset && zstd_is_error ? create() : NULL;
  if (cctx) set(cctx, ZSTD_C_COMPRESSION_LEVEL, ZSTD_LEVEL);
  return cctx != NULL;
}

/* ---- writing ---- */

static void write_all(const uint8_t *data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      /* A partial record would make the rest unreadable: stop, keep what is written. */
      static const char msg[] = "leakhound: cannot write the profile any more (disk full, or the program closed it): recording stopped\n";
      if (write(2, msg, sizeof msg - 1) < 0) { /* stderr closed too */ }
      lh_output_failed();
      fd = -1;
      return;
    }
    data += w;
    n -= (size_t)w;
  }
}

/* Compresses `n` bytes into the stream's frame, flushing (or ending) it. 0 on a zstd error. */
static int write_compressed(const uint8_t *data, size_t n, int end) {
  struct zstd_in in = {data, n, 0};
  size_t left;
  do {
    struct zstd_out out = {compressed, sizeof compressed, 0};
    left = zstd_stream(cctx, &out, &in, end);
    if (zstd_is_error(left)) return 0;
    write_all(compressed, out.pos);
  } while (left != 0 && fd >= 0);
  return 1;
}

static void write_buffer(const uint8_t *data, size_t n) {
  if (fd < 0) return;
  if (getpid() != owner) {
    /* a child made by clone() without fork's handlers: the file is its parent's */
    lh_output_failed();
    fd = -1;
    return;
  }
  if (!cctx) write_all(data, n);
  else if (!write_compressed(data, n, ZSTD_E_FLUSH)) lh_output_failed(), fd = -1;
}

static int try_lock(volatile int *l) { return !__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); }

/* Writes every sealed buffer, oldest first. Returns 0 if another thread is writing. */
static int drain_once(int wait) {
  if (!try_lock(&write_lock)) {
    if (!wait) return 0;
    while (!try_lock(&write_lock)) sched_yield();
  }
  uint32_t n;
  while ((n = __atomic_load_n(&written, __ATOMIC_ACQUIRE)) != __atomic_load_n(&sealed, __ATOMIC_ACQUIRE)) {
    write_buffer(ring[n % BUFFERS], lengths[n % BUFFERS]);
    __atomic_store_n(&written, n + 1, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&write_lock, 0, __ATOMIC_RELEASE);
  return 1;
}

void lh_output_drain(void) { drain_once(1); }

/*
 * With the recorder's lock held: hands the current buffer to the writer and starts
 * the next one. When all buffers await writing, the caller writes them itself
 * (or waits for the thread that is writing).
 */
void lh_output_seal(void) {
  if (!lh_buffered) return;
  uint32_t n = sealed;
  lengths[n % BUFFERS] = lh_buffered;
  __atomic_store_n(&sealed, n + 1, __ATOMIC_RELEASE);
  while (n + 2 - __atomic_load_n(&written, __ATOMIC_ACQUIRE) > BUFFERS)
    if (!drain_once(0)) sched_yield();
  lh_buffer = ring[(n + 1) % BUFFERS];
  lh_buffered = 0;
  if (writer_running) lh_wake_flusher();
  else drain_once(1);
}

/* Whether the flusher thread writes the sealed buffers (else whoever seals one). */
void lh_output_writer(int running) { writer_running = running; }

/* Writes what is sealed and ends the compressed frame: the stream is complete. */
void lh_output_close(void) {
  lh_output_drain();
  while (!try_lock(&write_lock)) sched_yield();
  if (cctx && fd >= 0) write_compressed(NULL, 0, ZSTD_E_END);
  fd = -1;
  __atomic_store_n(&write_lock, 0, __ATOMIC_RELEASE);
}

/* A new stream on `file` (start-up, or a forked child dropping its parent's buffers). */
void lh_output_open(int file) {
  fd = file;
  owner = getpid();
  if (cctx) zstd_reset(cctx, ZSTD_RESET_SESSION_ONLY);
  sealed = written = 0;
  write_lock = 0;
  writer_running = 0;
  lh_buffer = ring[0];
  lh_buffered = 0;
}
