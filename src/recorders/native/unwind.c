/*
 * Unwinding code without frame pointers (gcc's -O default, glibc, most Rust), fast.
 *
 * libgcc's _Unwind_Backtrace reads the DWARF call-frame information right but
 * slowly: it finds and interprets every frame's rules on every call (~100× a
 * plain malloc). At a given return address the rules are always the same few
 * numbers, though: the frame's CFA is %rsp or %rbp plus a constant, the return
 * address sits just below it, and the caller's %rbp is either untouched or saved
 * at a fixed place. So each return address's rules are worked out once, from the
 * FDE that libgcc finds, with a small interpreter of the CFA instructions compilers
 * emit; then a walk is a hash lookup and two loads a frame. Anything else (CFA
 * expressions, signal frames) takes libgcc's walk.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unwind.h>
#include "leakhound.h"

/* ---- libgcc's walk: for what the rules cannot express, and where there are none ---- */

struct slow_walk {
  struct lh_stack *stack;
  uintptr_t caller;
  int started;
};

static _Unwind_Reason_Code slow_step(struct _Unwind_Context *context, void *arg) {
  struct slow_walk *walk = arg;
  uintptr_t ip = _Unwind_GetIP(context);
  if (!walk->started) {
    if (ip != walk->caller) return _URC_NO_REASON; /* the recorder's own frames */
    walk->started = 1;
  }
  if (!ip || walk->stack->depth >= LH_MAX_FRAMES) return _URC_END_OF_STACK;
  walk->stack->frames[walk->stack->depth++] = ip;
  return _URC_NO_REASON;
}

static void slow_unwind(struct lh_stack *stack, uintptr_t ret) {
  struct slow_walk walk = {stack, ret, 0};
  stack->depth = 0;
  _Unwind_Backtrace(slow_step, &walk);
  if (stack->depth == 0) {
    stack->frames[0] = ret; /* the walk never found the caller: keep it alone */
    stack->depth = 1;
  }
}

#if defined(__x86_64__)

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

/* A return address's rules, packed in 64 bits (0: not worked out yet). */
enum { CFA_FROM_SP = 1, CFA_FROM_BP = 2, OUTERMOST = 3, UNSUPPORTED = 4 };
#define RULE(kind, cfa_offset, bp_slot) ((uint64_t)(kind) | (uint64_t)(uint32_t)(cfa_offset) << 8 | (uint64_t)(bp_slot) << 40)
#define KIND(rule) ((rule)&0xff)
#define CFA_OFFSET(rule) ((int32_t)(uint32_t)((rule) >> 8))
#define BP_SLOT(rule) ((uint32_t)((rule) >> 40) & 0xffff) /* caller's %rbp at CFA - slot; 0: untouched */

/* ---- the FDE interpreter ---- */

struct dwarf_eh_bases {
  void *tbase, *dbase, *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

static uint64_t uleb(const uint8_t **p) {
  uint64_t v = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = *(*p)++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return v;
}

static int64_t sleb(const uint8_t **p) {
  int64_t v = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = *(*p)++;
    if (shift < 64) v |= (int64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) v |= -((int64_t)1 << shift);
  return v;
}

/* Bytes taken by a pointer of DW_EH_PE encoding `enc` (-1: one not handled). */
static int encoded_size(uint8_t enc) {
  switch (enc & 0x0f) {
    case 0x00: case 0x04: case 0x0c: return 8;
    case 0x02: case 0x0a: return 2;
    case 0x03: case 0x0b: return 4;
    default: return -1;
  }
}

struct cfa_state {
  int cfa_reg;
  int64_t cfa_offset;
  int bp_saved, ra_saved, ra_undefined;
  int64_t bp_offset, ra_offset; /* from the CFA */
};

/* Runs CFA instructions up to `target` (an offset into the function). 0: a construct not handled. */
static int run_cfa(const uint8_t *p, const uint8_t *end, uint64_t code_align, int64_t data_align, uint64_t target,
                   uint64_t *loc, struct cfa_state *st, const struct cfa_state *initial) {
  struct cfa_state saved[8];
  int depth = 0;
  while (p < end) {
    uint8_t op = *p++;
    uint64_t reg;
    int64_t off;
    switch (op >> 6) {
      case 1: /* advance_loc */
        *loc += (op & 0x3f) * code_align;
        if (*loc > target) return 1;
        continue;
      case 2: /* offset */
        reg = op & 0x3f;
        off = (int64_t)uleb(&p) * data_align;
        goto saved_at;
      case 3: /* restore */
        reg = op & 0x3f;
        if (reg == REG_RBP) st->bp_saved = initial->bp_saved, st->bp_offset = initial->bp_offset;
        if (reg == REG_RA) st->ra_saved = initial->ra_saved, st->ra_offset = initial->ra_offset;
        continue;
    }
    switch (op) {
      case 0x00: continue; /* nop */
      case 0x02: *loc += *p * code_align; p += 1; break;
      case 0x03: { uint16_t d; memcpy(&d, p, 2); p += 2; *loc += d * code_align; break; }
      case 0x04: { uint32_t d; memcpy(&d, p, 4); p += 4; *loc += d * code_align; break; }
      case 0x05: reg = uleb(&p); off = (int64_t)uleb(&p) * data_align; goto saved_at;
      case 0x11: reg = uleb(&p); off = sleb(&p) * data_align; goto saved_at;
      case 0x2f: reg = uleb(&p); off = -(int64_t)uleb(&p) * data_align; goto saved_at;
      case 0x06: /* restore_extended */
        reg = uleb(&p);
        if (reg == REG_RBP) st->bp_saved = initial->bp_saved, st->bp_offset = initial->bp_offset;
        if (reg == REG_RA) st->ra_saved = initial->ra_saved, st->ra_offset = initial->ra_offset;
        continue;
      case 0x07: /* undefined */
        reg = uleb(&p);
        if (reg == REG_RA) st->ra_undefined = 1;
        if (reg == REG_RBP) st->bp_saved = 0;
        continue;
      case 0x08: /* same_value */
        reg = uleb(&p);
        if (reg == REG_RBP) st->bp_saved = 0;
        if (reg == REG_RA) return 0;
        continue;
      case 0x09: /* register */
        reg = uleb(&p);
        uleb(&p);
        if (reg == REG_RBP || reg == REG_RA) return 0;
        continue;
      case 0x0a: if (depth == 8) return 0; saved[depth++] = *st; continue;
      case 0x0b: if (depth == 0) return 0; *st = saved[--depth]; continue;
      case 0x0c: st->cfa_reg = (int)uleb(&p); st->cfa_offset = (int64_t)uleb(&p); continue;
      case 0x0d: st->cfa_reg = (int)uleb(&p); continue;
      case 0x0e: st->cfa_offset = (int64_t)uleb(&p); continue;
      case 0x12: st->cfa_reg = (int)uleb(&p); st->cfa_offset = sleb(&p) * data_align; continue;
      case 0x13: st->cfa_offset = sleb(&p) * data_align; continue;
      case 0x10: case 0x16: /* expression, val_expression */
        reg = uleb(&p);
        if (reg == REG_RBP || reg == REG_RA) return 0;
        p += uleb(&p);
        continue;
      case 0x14: case 0x15: /* val_offset(_sf) */
        reg = uleb(&p);
        uleb(&p);
        if (reg == REG_RBP || reg == REG_RA) return 0;
        continue;
      case 0x2e: uleb(&p); continue; /* GNU_args_size */
      default: return 0;           /* def_cfa_expression, set_loc, vendor extensions */
    }
    if (*loc > target) return 1; /* after advance_loc1/2/4 */
    continue;
  saved_at:
    if (reg == REG_RBP) st->bp_saved = 1, st->bp_offset = off;
    if (reg == REG_RA) st->ra_saved = 1, st->ra_offset = off;
  }
  return 1;
}

/* The rules in effect at return address `ip`, from its FDE. */
static uint64_t rule_for(uintptr_t ip) {
  struct dwarf_eh_bases bases;
  const uint8_t *fde = _Unwind_Find_FDE((void *)(ip - 1), &bases);
  if (!fde) return RULE(OUTERMOST, 0, 0); /* no unwind information: the walk ends here */
  uint32_t fde_length, cie_delta, cie_length;
  memcpy(&fde_length, fde, 4);
  memcpy(&cie_delta, fde + 4, 4);
  if (fde_length == 0xffffffff) return RULE(UNSUPPORTED, 0, 0);
  const uint8_t *cie = fde + 4 - cie_delta;
  memcpy(&cie_length, cie, 4);
  if (cie_length == 0xffffffff) return RULE(UNSUPPORTED, 0, 0);
  const uint8_t *cie_end = cie + 4 + cie_length, *p = cie + 8;
  uint8_t version = *p++;
  const char *aug = (const char *)p;
  p += strlen(aug) + 1;
  uint64_t code_align = uleb(&p);
  int64_t data_align = sleb(&p);
  if (version == 1) p++;
  else uleb(&p);
  uint8_t fde_encoding = 0;
  if (aug[0] == 'z') {
    uint64_t aug_length = uleb(&p);
    const uint8_t *aug_end = p + aug_length;
    for (const char *a = aug + 1; *a; a++) {
      if (*a == 'R') fde_encoding = *p++;
      else if (*a == 'L') p++;
      else if (*a == 'P') {
        int n = encoded_size(*p++);
        if (n < 0) return RULE(UNSUPPORTED, 0, 0);
        p += n;
      } else if (*a == 'S') return RULE(UNSUPPORTED, 0, 0); /* a signal frame */
    }
    p = aug_end;
  } else if (aug[0]) {
    return RULE(UNSUPPORTED, 0, 0);
  }
  struct cfa_state initial = {REG_RSP, 8, 0, 1, 0, 0, -8};
  uint64_t loc = 0, target = ip - 1 - (uintptr_t)bases.func;
  if (!run_cfa(p, cie_end, code_align, data_align, UINT64_MAX, &loc, &initial, &initial)) return RULE(UNSUPPORTED, 0, 0);

  int n = encoded_size(fde_encoding);
  if (n < 0) return RULE(UNSUPPORTED, 0, 0);
  p = fde + 8 + 2 * n;
  if (aug[0] == 'z') p += uleb(&p);
  struct cfa_state st = initial;
  loc = 0;
  if (!run_cfa(p, fde + 4 + fde_length, code_align, data_align, target, &loc, &st, &initial)) return RULE(UNSUPPORTED, 0, 0);

  if (st.ra_undefined) return RULE(OUTERMOST, 0, 0);
  if (!st.ra_saved || st.ra_offset != -8 || (st.cfa_reg != REG_RSP && st.cfa_reg != REG_RBP) ||
      st.cfa_offset <= 0 || st.cfa_offset >= (1 << 30) || (st.bp_saved && (st.bp_offset >= 0 || st.bp_offset < -65535)))
    return RULE(UNSUPPORTED, 0, 0);
  return RULE(st.cfa_reg == REG_RSP ? CFA_FROM_SP : CFA_FROM_BP, st.cfa_offset, st.bp_saved ? -st.bp_offset : 0);
}

/* ---- rules by return address: a lock-free table, filled once per address ---- */

#define RULE_SLOTS (1u << 18)
struct rule_slot {
  uintptr_t ip;
  uint64_t rule; /* 0 until worked out */
};
static struct rule_slot *rules;

static uint64_t lookup(uintptr_t ip) {
  if (!rules) return RULE(UNSUPPORTED, 0, 0);
  uint32_t i = (uint32_t)((ip * 0x9e3779b97f4a7c15u) >> 46) & (RULE_SLOTS - 1);
  for (int probes = 0; probes < 64; probes++, i = (i + 1) & (RULE_SLOTS - 1)) {
    uintptr_t key = __atomic_load_n(&rules[i].ip, __ATOMIC_ACQUIRE);
    if (key == 0) {
      uintptr_t expected = 0;
      if (!__atomic_compare_exchange_n(&rules[i].ip, &expected, ip, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) && expected != ip)
        continue;
      key = ip;
    }
    if (key != ip) continue;
    uint64_t rule = __atomic_load_n(&rules[i].rule, __ATOMIC_ACQUIRE);
    if (!rule) {
      rule = rule_for(ip);
      __atomic_store_n(&rules[i].rule, rule, __ATOMIC_RELEASE);
    }
    return rule;
  }
  return rule_for(ip); /* table crowded: work it out again */
}

/*
 * This thread's last walk: where it began and the frames and CFAs it found. A walk
 * that begins at the same frame (a loop allocating from one place; the start-up
 * frames above main, reached from every frame-pointer walk) finds the same frames
 * as long as each return address is still where it was: checking that is a load a
 * frame, against a table lookup a frame.
 */
struct last_walk {
  uintptr_t ip, sp, bp;
  uint32_t depth;
  uintptr_t frames[LH_MAX_FRAMES], cfa[LH_MAX_FRAMES];
};
static LH_TLS struct last_walk last;

static int same_as_last(uintptr_t ip, uintptr_t sp, uintptr_t bp) {
  if (!last.depth || ip != last.ip || sp != last.sp || bp != last.bp) return 0;
  for (uint32_t k = 0; k + 1 < last.depth; k++)
    if (*(const uintptr_t *)(last.cfa[k] - 8) != last.frames[k + 1]) return 0;
  return 1;
}

int lh_unwind_slots(const uintptr_t **slots) {
  if (!last.depth) return -1;
  for (uint32_t k = 0; k + 1 < last.depth; k++) slots[k] = (const uintptr_t *)(last.cfa[k] - 8);
  return (int)last.depth - 1;
}

/*
 * A copy a word at a time: memcpy (or the loop made into one) of these few words
 * is a `rep movsq`, whose start-up costs more than the copy, and whose stores the
 * stack hash's loads cannot take over until they are done.
 */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
static int repeat_last(struct lh_stack *stack, uintptr_t ip, uintptr_t sp, uintptr_t bp) {
  if (stack->depth + last.depth > LH_MAX_FRAMES || !same_as_last(ip, sp, bp)) return 0;
  for (uint32_t k = 0; k < last.depth; k++) stack->frames[stack->depth + k] = last.frames[k];
  stack->depth += last.depth;
  return 1;
}

/*
 * Appends the frames from return address `ip`, whose frame had stack pointer `sp`
 * and %rbp `bp` at its call. A frame the rules cannot describe restarts the whole
 * walk, from `origin` (the allocator's caller), with libgcc.
 */
void lh_unwind_dwarf(struct lh_stack *stack, uintptr_t origin, uintptr_t ip, uintptr_t sp, uintptr_t bp) {
  if (repeat_last(stack, ip, sp, bp)) return;
  last.ip = ip, last.sp = sp, last.bp = bp, last.depth = 0;
  uintptr_t top = lh_stack_top_near(sp);
  uint32_t first = stack->depth;
  while (stack->depth < LH_MAX_FRAMES) {
    uint64_t rule = lookup(ip);
    if (KIND(rule) == UNSUPPORTED) return slow_unwind(stack, origin);
    last.frames[stack->depth - first] = ip;
    last.cfa[stack->depth - first] = 0;
    stack->frames[stack->depth++] = ip;
    if (KIND(rule) == OUTERMOST) break;
    uintptr_t cfa = (KIND(rule) == CFA_FROM_SP ? sp : bp) + (uintptr_t)(intptr_t)CFA_OFFSET(rule);
    if (cfa <= sp || cfa > top) break; /* a CFA is above the frame below it, inside the stack */
    if (BP_SLOT(rule)) bp = *(const uintptr_t *)(cfa - BP_SLOT(rule));
    ip = *(const uintptr_t *)(cfa - 8);
    last.cfa[stack->depth - 1 - first] = cfa;
    sp = cfa;
    if (ip < 4096) break;
  }
  last.depth = stack->depth - first;
}

void lh_unwind_reset(void) {
  if (rules) return; /* the rules stay true in a forked child */
  void *p = mmap(NULL, RULE_SLOTS * sizeof *rules, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  rules = p == MAP_FAILED ? NULL : p;
}

#else

/* Elsewhere: libgcc's walk every time. */
void lh_unwind_dwarf(struct lh_stack *stack, uintptr_t origin, uintptr_t ip, uintptr_t sp, uintptr_t bp) {
  (void)ip, (void)sp, (void)bp;
  slow_unwind(stack, origin);
}

void lh_unwind_reset(void) {}
int lh_unwind_slots(const uintptr_t **slots) {
  (void)slots;
  return -1;
}

#endif
