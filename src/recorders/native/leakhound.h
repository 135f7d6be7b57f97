/*
 * The native recorder: a library preloaded into the recorded program (LD_PRELOAD).
 *
 * Split like heaptrack's "track" half — the hot path only captures return
 * addresses, deduplicates the stack and appends a few varints to a buffer:
 *   hooks.c     the interposed malloc family, C++ new/delete, strdup, _exit
 *   preload.c   start-up, exit, the signal handlers (dump, terminate, crash)
 *   allocator.c the allocator they hand the work to (dlsym RTLD_NEXT)
 * and the recording they drive through its API (lh_record.h):
 *   recorder.c  state, the .lhp records, the flusher thread, fork
 *   rings.c     each thread's event ring: the hot path appends without a lock
 *   merge.c     the flusher's pass: the rings' events, ordered and encoded
 *   header.c    a stream's header and process record
 *   clock.c     the clock (TSC, calibrated against CLOCK_MONOTONIC)
 *   output.c    the buffer ring, zstd compression, writes
 *   sampling.c  the sampled mode: which allocations are recorded, which frees
 *   stacks.c    stack capture (frame-pointer walk) and the stack/frame tables
 *   unwind.c    unwinding code without frame pointers: DWARF, with learnt rules
 *   modules.c   the loaded ELF modules, and which of them keep frame pointers
 * Symbols are resolved after the run, in TypeScript (src/recorders/native/finalize.ts).
 * This header is the recording's inside; hooks.c and preload.c use lh_record.h and
 * allocator.h only.
 */
#ifndef LEAKHOUND_H
#define LEAKHOUND_H

#include <stddef.h>
#include <stdint.h>
#include "allocator.h"
#include "lh_record.h"

#define LH_MAX_FRAMES 64

/* Per-thread state. initial-exec TLS: no __tls_get_addr, which may call malloc. */
#define LH_TLS __thread __attribute__((tls_model("initial-exec")))
extern LH_TLS int lh_busy;        /* inside the recorder: allocations pass through */

/*
 * recorder.c (besides lh_record.h): the lock over the stream's buffer and the
 * tables. Events never take it: only what is written once (a new stack, a new
 * thread) and the flusher's pass.
 */
void lh_lock(void);
void lh_unlock(void);
int lh_recording(void);           /* a stream is open */
void lh_wake_flusher(void);

/* The record encoder, for stacks.c, modules.c and merge.c: call with the lock held. */
void lh_emit(uint8_t tag, const uint8_t *payload, size_t length);
uint32_t lh_emit_string(const char *text, size_t length);
uint8_t *lh_put_varint(uint8_t *p, uint64_t v);
uint8_t *lh_put_time(uint8_t *p, uint64_t t);  /* zigzag difference from the last time written */
extern uint64_t lh_time_written;
uint8_t *lh_begin_record(uint8_t tag);         /* a record of under 128 bytes, encoded in place */
void lh_end_record(uint8_t *payload, uint8_t *end);
uint32_t lh_thread_record(uint32_t tid);       /* the thread's record; the id its events carry */

/*
 * rings.c: one ring of events per thread, filled by its thread and emptied by the
 * flusher's pass (merge.c), with no lock between them. Every event gets a number
 * from one atomic counter, `lh_sequence`: the order the pass restores across threads.
 */
enum { LH_EVENT_ALLOC, LH_EVENT_FREE, LH_EVENT_REALLOC, LH_EVENT_TIME };
struct lh_event {
  uint64_t sequence;
  uint64_t address;               /* realloc: the new address */
  uint64_t value;                 /* realloc: the old address; time: the time */
  uint32_t info;                  /* alloc, realloc: the (size, stack) pair, stacks.c */
  uint32_t kind;
};
#define LH_RING_EVENTS (1u << 14)
struct lh_ring {
  uint64_t head;                  /* events written; only the owner writes it */
  char own_line[56];
  uint64_t tail;                  /* events taken; only the pass writes it */
  uint32_t passes;                /* a futex word: the passes that took events from it */
  uint32_t waiting;               /* the owner waits for room */
  char pass_line[48];
  uint32_t tid;                   /* 0: free, for the next new thread */
  uint32_t thread;                /* the thread id its records carry */
  int dead;                       /* its thread has exited: freed once emptied */
  struct lh_ring *next;
  /* the pass's: the ring's compact-event context (FORMAT.md), new for each thread that takes it */
  uint32_t context;
  int context_written;            /* its context record was written: going back to it restores time and address */
  uint64_t time;                  /* its events' time, from its time events */
  uint64_t address, context_time; /* the context's last address, and the stream's time when it was left */
  struct lh_event events[LH_RING_EVENTS];
};
/* Alone on its cache line: every event of a threaded process writes it, and a word read beside it would miss each time. */
struct lh_sequence {
  uint64_t value;
  char line[56];
} __attribute__((aligned(64)));
extern struct lh_sequence lh_sequence;
extern uint32_t lh_stream_number;  /* a new one for each stream: a forked child's */
extern volatile uint32_t lh_clock_tick; /* advanced by the flusher every 10 ms */
extern volatile uint64_t lh_time_step;  /* event times are multiples of it */
int lh_flusher_running(void);
extern struct lh_ring *lh_rings;  /* every ring, linked; grows under the lock */
void lh_record_event(uint32_t kind, uint64_t address, uint64_t value, uint32_t info);
int lh_rings_threaded(void);       /* a second thread has recorded: events are numbered */
void lh_rings_reap(void);         /* lock held: marks rings whose threads have exited */
void lh_rings_reset(void);        /* a new stream: every ring empty and free */

/* merge.c: the flusher's pass, lock held. Returns the events it wrote. */
uint64_t lh_merge_pass(void);
void lh_merge_reset(void);
extern uint64_t lh_allocation_count;

/*
 * sampling.c (besides lh_record.h): the sampled mode. take: whether to record this
 * allocation, one lh_sample_skips let through (then kept as sampled); forget:
 * whether a freed pointer was sampled (then no longer).
 */
int lh_sampling_start(uint64_t interval);
int lh_sample_take(void *ptr, size_t size);
int lh_sample_forget(void *ptr);
void lh_sample_keep(void *ptr);
uint64_t lh_sample_weight(uint64_t size); /* the bytes a sampled allocation of `size` stands for */
void lh_sampling_reset(void);

/* clock.c: nanoseconds since the stream's start */
extern uint64_t lh_start_ns;      /* CLOCK_MONOTONIC at the start */
uint64_t lh_monotonic_ns(void);
uint64_t lh_now(void);
void lh_clock_start(void);
void lh_clock_calibrate(uint64_t not_before);

/* header.c: the fixed header and the process record */
void lh_read_cmdline(void);
void lh_write_header(int follow); /* into the (empty) current buffer */
void lh_write_process(void);

/* output.c: the buffer ring between the recorder and the file */
#define LH_BUFFER_SIZE (1 << 20)
extern uint8_t *lh_buffer;        /* the current buffer, appended to under the lock */
extern size_t lh_buffered;
void lh_output_open(int fd);
int lh_output_compression(void);  /* use zstd if libzstd is there; 1 if so */
void lh_output_seal(void);        /* lock held: the current buffer is full or due */
void lh_output_drain(void);       /* writes every sealed buffer */
void lh_output_close(void);       /* drains and ends the compressed frame */
void lh_output_writer(int running); /* the flusher writes sealed buffers, or whoever seals one */
void lh_output_failed(void);      /* recorder.c: the file cannot be written */

/* stacks.c */
struct lh_stack {
  uintptr_t frames[LH_MAX_FRAMES];
  uint32_t depth;
  uint64_t hash;
};
/* The id of an allocation's (size, stack) pair, its stack captured from the hook's caller; 0: not recorded */
uint32_t lh_alloc_info(void *frame, void *ret, uint64_t size);
uint32_t lh_stack_find(const struct lh_stack *stack); /* no lock; 0 if not written yet */
uint32_t lh_stack_id(const struct lh_stack *stack); /* lock held; writes new frames/stacks */
void lh_stacks_reset(void);
void lh_set_stack_top(void);
uintptr_t lh_stack_top_near(uintptr_t near);
const uintptr_t *lh_frame_addresses(uint32_t *count);

/* unwind.c */
void lh_unwind_dwarf(struct lh_stack *stack, uintptr_t origin, uintptr_t ip, uintptr_t sp, uintptr_t bp);
void lh_unwind_reset(void);
/*
 * Where this thread's last walk read each return address after its first, in
 * order: a walk from the same place finds the same frames while they hold the
 * same. -1: the walk was libgcc's, which gives no such list.
 */
int lh_unwind_slots(const uintptr_t **slots);

/* modules.c */
void lh_modules_scan(void);       /* lock held: writes module records for new modules */
void lh_modules_reset(void);
int lh_in_fp_module(uintptr_t address);
int lh_fp_ranges(void);           /* grows as frame-pointer modules are found */
void lh_modules_write(int fd);
extern int lh_unwind_mode;        /* LH_UNWIND_* */
enum { LH_UNWIND_AUTO, LH_UNWIND_FP, LH_UNWIND_DWARF };

#endif
