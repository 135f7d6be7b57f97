/*
 * What the C unit tests share: checks that print one line each ("ok", the name, or
 * "FAIL", the name and why, tab-separated; test/unit/recorders/native-unit.test.ts reads them), a recording driven
 * through lh_record.h into a file, and a reader of the records it wrote.
 * The tags and field orders are docs/FORMAT.md's, written out here on purpose: the
 * tests check the bytes against the specification, not against the C code's enums.
 */
#ifndef UNIT_H
#define UNIT_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakhound.h"

enum { STRING = 1, FRAME, STACK, ALLOC, FREE, REALLOC, SAMPLE, MARK, THREAD, PROCESS, MODULE, END, SYMBOL, CONTEXT, INFO, TICK, SHORT_ALLOC, SHORT_FREE, SHORT_REALLOC, REPEAT };

/* The hooks' way of naming the caller: this function's frame and return address. */
#define CALLER __builtin_frame_address(0), __builtin_return_address(0)
#define NOINLINE __attribute__((noinline))

static int failures;

static inline void check(int ok, const char *name, const char *why) {
  if (ok) printf("ok\t%s\n", name);
  else printf("FAIL\t%s\t%s\n", name, why), failures++;
}

/* Records to `<dir>/<name>.lhp`, uncompressed (the reader below reads raw records); exits on failure. */
static inline const char *record_to(const char *name) {
  static char path[4096];
  const char *dir = getenv("UNIT_DIR");
  snprintf(path, sizeof path, "%s/%s.lhp", dir ? dir : "/tmp", name);
  setenv("LEAKHOUND_COMPRESS", "0", 1);
  if (!lh_record_init(path)) {
    printf("FAIL\t%s\tlh_record_init(%s) did not start a recording\n", name, path);
    exit(1);
  }
  return path;
}

/* ---- reading the stream ---- */

struct record {
  uint8_t tag;
  const uint8_t *payload, *end;
};

#define UNIT_PERIODS 8
struct stream {
  uint8_t *data;
  size_t size, at; /* `at`: the next record */
  int bad; /* a record that overruns the file, or a field that overruns its record */
  /* format 1.3's repeats: the compact events since the last other record, and the copies still to hand out */
  struct record recent[UNIT_PERIODS];
  uint64_t recent_count, period, repeats;
  uint64_t repeat_records; /* read so far */
};

static inline uint64_t varint(const uint8_t **p, const uint8_t *end, int *bad) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) break;
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  *bad = 1;
  return 0;
}

/* The file's records, after its magic and header JSON. */
static inline struct stream open_stream(const char *path) {
  struct stream s = {0};
  FILE *f = fopen(path, "rb");
  if (!f) return s.bad = 1, s;
  fseek(f, 0, SEEK_END);
  s.size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  s.data = malloc(s.size + 1);
  if (fread(s.data, 1, s.size, f) != s.size || s.size < 16 || memcmp(s.data, "\x89LHP", 4) != 0) s.bad = 1;
  fclose(f);
  if (!s.bad) s.at = 16 + (s.data[12] | s.data[13] << 8 | (size_t)s.data[14] << 16 | (size_t)s.data[15] << 24);
  return s;
}

/*
 * The next record into `r`; 0 at the end of the file (or of what is readable). A
 * repeat record is handed out as the compact events it stands for, copies of earlier
 * records (docs/FORMAT.md, "Repeats").
 */
static inline int next_record(struct stream *s, struct record *r) {
  for (;;) {
    if (s->repeats) {
      s->repeats--;
      *r = s->recent[(s->recent_count - s->period) % UNIT_PERIODS];
      s->recent[s->recent_count++ % UNIT_PERIODS] = *r;
      return 1;
    }
    if (s->bad || s->at >= s->size) return 0;
    const uint8_t *p = s->data + s->at, *end = s->data + s->size;
    r->tag = *p++;
    uint64_t length = varint(&p, end, &s->bad);
    if (s->bad || length > (uint64_t)(end - p)) return s->bad = 1, 0;
    r->payload = p;
    r->end = p + length;
    s->at = (size_t)(r->end - s->data);
    if (r->tag == REPEAT) {
      s->repeat_records++;
      s->period = varint(&p, r->end, &s->bad);
      s->repeats = varint(&p, r->end, &s->bad);
      if (s->period < 1 || s->period > UNIT_PERIODS || s->period > s->recent_count) return s->bad = 1, 0;
      continue;
    }
    if (r->tag == SHORT_ALLOC || r->tag == SHORT_FREE || r->tag == SHORT_REALLOC) s->recent[s->recent_count++ % UNIT_PERIODS] = *r;
    else s->recent_count = 0;
    return 1;
  }
}

/* A record's next field. */
static inline uint64_t field(struct record *r, struct stream *s) { return varint(&r->payload, r->end, &s->bad); }

/* ---- format 1.2's compact events (a repeat's copies among them, next_record): their context's thread and last address, the (size, stack) pairs ---- */

#define UNIT_INFOS 4096
#define UNIT_CONTEXTS 256
struct compact {
  uint64_t context, thread, address;
  uint64_t size[UNIT_INFOS], stack[UNIT_INFOS];
  uint64_t saved[UNIT_CONTEXTS]; /* each context's last address (times are not followed here) */
};
struct event {
  uint64_t old, address, size, stack, thread; /* `old`: a realloc's */
};

static inline uint64_t unzigzag_add(uint64_t base, uint64_t z) { return z & 1 ? base - (z >> 1) - 1 : base + (z >> 1); }

/*
 * Reads a context, info, shortAlloc, shortFree or shortRealloc record: ALLOC, FREE or
 * REALLOC with `e` filled for the last three, 0 for the others (and for any other
 * record, unread).
 */
static inline int compact_event(struct compact *c, struct record *r, struct stream *s, struct event *e) {
  switch (r->tag) {
  case CONTEXT:
    c->saved[c->context % UNIT_CONTEXTS] = c->address;
    c->context = field(r, s);
    c->thread = field(r, s);
    c->address = c->saved[c->context % UNIT_CONTEXTS]; /* 0 for a new context */
    return 0;
  case INFO: {
    uint64_t id = field(r, s), size = field(r, s), stack = field(r, s);
    if (id < UNIT_INFOS) c->size[id] = size, c->stack[id] = stack;
    return 0;
  }
  case SHORT_REALLOC:
  case SHORT_ALLOC: {
    if (r->tag == SHORT_REALLOC) e->old = c->address = unzigzag_add(c->address, field(r, s));
    e->address = c->address = unzigzag_add(c->address, field(r, s));
    uint64_t id = field(r, s) % UNIT_INFOS;
    e->size = c->size[id];
    e->stack = c->stack[id];
    e->thread = c->thread;
    return r->tag == SHORT_REALLOC ? REALLOC : ALLOC;
  }
  case SHORT_FREE:
    e->address = c->address = unzigzag_add(c->address, field(r, s));
    e->thread = c->thread;
    return FREE;
  }
  return 0;
}

#endif
