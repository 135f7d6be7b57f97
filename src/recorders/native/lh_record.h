/*
 * The recording's API: what the preloaded side (hooks.c, preload.c) calls, and all
 * it calls, like heaptrack's libheaptrack.h. Nothing here depends on
 * interposition, so a program can drive a recording itself: the C unit tests
 * (test/unit/recorders/native-unit/) link the recording without hooks.c and preload.c.
 */
#ifndef LH_RECORD_H
#define LH_RECORD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opens this process's stream at `out` (or a numbered file beside it, see
 * recorder.c), starts the flusher thread and the fork handlers. Settings come from
 * the environment (LEAKHOUND_UNWIND, _COMPRESS, _NO_FOLLOW, _ROOT_PID). 1 when
 * recording, 0 when this process records nothing.
 */
int lh_record_init(const char *out);

/* Recording, and not re-entered from the recorder: the hooks' test before each event. */
int lh_active(void);

/*
 * Sampled mode (sampling.c): the hooks' first test, before lh_active(): 1 when the
 * allocation is not sampled, or the freed pointer was not. 0 in a full recording.
 */
extern uint64_t lh_sample_interval;
int lh_sample_skips(size_t size);
int lh_sample_skips_free(void *ptr);
static inline int lh_skips_alloc(size_t size) { return lh_sample_interval && lh_sample_skips(size); }
static inline int lh_skips_free(void *ptr) { return lh_sample_interval && lh_sample_skips_free(ptr); }

/*
 * An event. `frame` and `ret` are the hook's own frame and return address
 * (__builtin_frame_address(0), __builtin_return_address(0)): the stack starts at
 * the code that asked for memory. Call only when lh_active(), and in sampled mode
 * once lh_skips_alloc or lh_skips_free let the event through.
 */
void lh_record_alloc(void *ptr, size_t size, void *frame, void *ret);
void lh_record_free(void *ptr); /* before the memory is released */
/* Reallocates with the next allocator and records it, under the recorder's lock. */
void *lh_record_realloc(void *old, size_t size, void *frame, void *ret);

/* Flush, end record, frame table; recording stops. At exit, _exit, and in tests. */
void lh_record_finish(void);

/* ---- for signal handlers: async-signal-safe ---- */

/* A dump mark at the flusher's next tick (SIGUSR2). */
void lh_record_dump(void);

/*
 * A terminating signal: asks the flusher thread to finish the stream and waits for
 * it, at most LH_END_WAIT_MS. Returns at once when there is nothing to wait for.
 */
#define LH_END_WAIT_MS 2000
void lh_record_end_from_signal(void);

/* A crash: best effort, writes what is buffered from the crashing thread itself. */
void lh_record_crash_flush(void);

#endif
