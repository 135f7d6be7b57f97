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
 *   header.c    a stream's header and process record
 *   clock.c     the clock (TSC, calibrated against CLOCK_MONOTONIC)
 *   output.c    the buffer ring, zstd compression, writes
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

/* recorder.c (besides lh_record.h): the one lock over the buffer and the tables. */
void lh_lock(void);
void lh_unlock(void);
int lh_recording(void);           /* a stream is open */

/* The record encoder, for stacks.c and modules.c: call with the lock held. */
void lh_emit(uint8_t tag, const uint8_t *payload, size_t length);
uint32_t lh_emit_string(const char *text, size_t length);
uint8_t *lh_put_varint(uint8_t *p, uint64_t v);

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
void lh_output_write_for(long ns);
void lh_output_writer_stopped(void);
void lh_output_failed(void);      /* recorder.c: the file cannot be written */

/* stacks.c */
struct lh_stack {
  uintptr_t frames[LH_MAX_FRAMES];
  uint32_t depth;
  uint64_t hash;
};
void lh_capture(struct lh_stack *stack, void *frame, void *ret);
uint32_t lh_stack_find(const struct lh_stack *stack); /* no lock; 0 if not written yet */
uint32_t lh_stack_id(const struct lh_stack *stack); /* lock held; writes new frames/stacks */
void lh_stacks_reset(void);
void lh_set_stack_top(void);
uintptr_t lh_stack_top_near(uintptr_t near);
const uintptr_t *lh_frame_addresses(uint32_t *count);

/* unwind.c */
void lh_unwind_dwarf(struct lh_stack *stack, uintptr_t origin, uintptr_t ip, uintptr_t sp, uintptr_t bp);
void lh_unwind_reset(void);

/* modules.c */
void lh_modules_scan(void);       /* lock held: writes module records for new modules */
void lh_modules_reset(void);
int lh_in_fp_module(uintptr_t address);
void lh_modules_write(int fd);
extern int lh_unwind_mode;        /* LH_UNWIND_* */
enum { LH_UNWIND_AUTO, LH_UNWIND_FP, LH_UNWIND_DWARF };

#endif
