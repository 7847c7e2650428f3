/* equiv.h: one small guest natively and under a monitor, compared on
 * everything the guest could observe: the graded tests' main tool.
 *
 *   eq_state n, t;
 *   eq_src(SRC, "native", false, &n);
 *   eq_src(SRC, "trap", false, &t);
 *   eq_same(&n, &t);     // output, end, halt code, instruction counts,
 *                        // idle ticks, registers, pc, flags, control regs
 *
 * Monitor modes place the guest's memory at host-physical EQ_BASE with
 * canary bytes below it and above everything the monitor owns, and check
 * afterwards that none changed and that every shadow entry points into the
 * guest (eq_state.isolated). */
#ifndef EQUIV_H
#define EQUIV_H

#include "grade.h"
#include "bt/bt.h"
#include "hw/hw.h"
#include "mmu.h"
#include "core/mode.h"

#define EQ_MEM (256u << 10)
#define EQ_GUARD (64u << 10) /* canary bytes below the guest and above the monitor's pages */
#define EQ_BASE EQ_GUARD
#define EQ_CANARY 0xa5
#define EQ_STEPS 2000000u

typedef struct eq_state {
  const char *mode;
  char out[8192];
  size_t len;
  enum cpu_exit exit;
  uint32_t halt_code;
  uint64_t insns, user_insns, idle_ticks;
  uint32_t r[NREGS], pc, flags, cr[NCR], timer_left;
  vmm_counters n;   /* monitor modes */
  hw_counters hw;   /* hw modes: vm_exits by reason */
  bt_counters bt;   /* bt: translations, TC hits and misses, invalidations */
  uint32_t real_flags; /* the real CPU's flags at the end (monitor modes) */
  uint64_t tlb_misses, walk_refs; /* the real TLB's (both dimensions under nested paging) */
  bool isolated;    /* no byte outside the guest changed; shadow inside */
} eq_state;

static void eq_putc(void *ctx, int ch) {
  eq_state *s = ctx;
  if (s->len + 1 < sizeof s->out) s->out[s->len++] = (char)ch;
  s->out[s->len] = 0;
}
static int eq_getc(void *ctx) { return (void)ctx, -1; }
static int eq_status(void *ctx) { return (void)ctx, 2; }

/* Run img in any mode of the mode table (native, trap, bt, hw, hw-shadow)
 * for at most steps ticks, built as bin/vmm builds it (core/mode.h), the
 * guest's memory at EQ_BASE between canaries. */
static void eq_image(const image *img, const char *mode, bool strict, uint64_t steps, eq_state *s) {
  char err[256];
  memset(s, 0, sizeof *s);
  s->mode = mode;
  console_dev con = {.ctx = s, .putc = eq_putc, .getc = eq_getc, .status = eq_status};
  vmm_opts o = {.mode = mode, .mem = EQ_MEM, .tlb = 64, .strict_isa = strict, .image = "guest"};
  cost_profile(&o.cost, "modern");
  const vmm_mode *md = mode_find(mode, &o);
  ck_assert_msg(md != NULL, "eq_image: no mode %s", mode);
  guest g;
  ck_assert_msg(guest_create(&g, md, &o, img, con, EQ_GUARD, err, sizeof err) == 0, "%s", err);
  cpu *c = g.c;
  if (g.m) {
    memset(c->mem, EQ_CANARY, EQ_BASE);
    memset(c->mem + g.end, EQ_CANARY, EQ_GUARD);
  }
  guest_run(&g, steps);
  guest_view v;
  guest_view_get(&g, &v);
  vm_report r = {0};
  guest_report(&g, &r);
  s->exit = v.exit;
  s->halt_code = v.halt_code;
  s->insns = r.st.insns, s->user_insns = r.st.user_insns, s->idle_ticks = r.st.idle_ticks;
  memcpy(s->r, v.r, sizeof s->r);
  memcpy(s->cr, v.cr, sizeof s->cr);
  s->pc = v.pc, s->flags = v.flags, s->timer_left = v.timer_left;
  s->n = r.vmm;
  s->hw = r.hw;
  s->bt = r.bt;
  s->real_flags = c->flags;
  s->tlb_misses = c->st.tlb_misses, s->walk_refs = c->st.walk_refs;
  s->isolated = guest_outside(&g) == 0;
  for (uint32_t i = 0; g.m && i < EQ_GUARD; i++)
    if (c->mem[i] != EQ_CANARY || c->mem[g.end + i] != EQ_CANARY) s->isolated = false;
  guest_destroy(&g);
}

static void eq_src(const char *src, const char *mode, bool strict, eq_state *s) {
  image img;
  grade_assemble_src(src, &img);
  eq_image(&img, mode, strict, EQ_STEPS, s);
  image_free(&img);
}

/* The guest cannot tell a from b (a is native). */
static void eq_same(const eq_state *a, const eq_state *b) {
  if (strcmp(a->out, b->out) != 0) {
    size_t i = 0;
    while (a->out[i] && a->out[i] == b->out[i]) i++;
    ck_abort_msg("%s: console output differs from native at byte %zu: native \"%.40s\", %s \"%.40s\"", b->mode, i,
                 a->out + i, b->mode, b->out + i);
  }
  ck_assert_msg(a->exit == b->exit, "%s: the run ended differently (exit %d, native %d)", b->mode, b->exit, a->exit);
  ck_assert_msg(a->halt_code == b->halt_code, "%s: halt code %u, native %u", b->mode, b->halt_code, a->halt_code);
  ck_assert_msg(a->insns == b->insns, "%s: %llu guest instructions, native %llu", b->mode,
                (unsigned long long)b->insns, (unsigned long long)a->insns);
  ck_assert_msg(a->user_insns == b->user_insns, "%s: %llu user-mode instructions, native %llu", b->mode,
                (unsigned long long)b->user_insns, (unsigned long long)a->user_insns);
  ck_assert_msg(a->idle_ticks == b->idle_ticks, "%s: %llu idle ticks, native %llu", b->mode,
                (unsigned long long)b->idle_ticks, (unsigned long long)a->idle_ticks);
  for (int i = 0; i < NREGS; i++)
    ck_assert_msg(a->r[i] == b->r[i], "%s: r%d = 0x%08x, native 0x%08x", b->mode, i, b->r[i], a->r[i]);
  ck_assert_msg(a->pc == b->pc, "%s: pc 0x%08x, native 0x%08x", b->mode, b->pc, a->pc);
  ck_assert_msg(a->flags == b->flags, "%s: the guest's flags are 0x%02x, native 0x%02x", b->mode, b->flags, a->flags);
  static const char *const crn[NCR] = {"ptb", "tvec", "epc", "estatus", "cause", "badva", "timer", "scratch", "paging"};
  for (int i = 0; i < NCR; i++)
    ck_assert_msg(a->cr[i] == b->cr[i], "%s: CR[%s] = 0x%08x, native 0x%08x", b->mode, i < 9 ? crn[i] : "?", b->cr[i],
                  a->cr[i]);
  ck_assert_msg(a->timer_left == b->timer_left, "%s: timer reads %u, native %u", b->mode, b->timer_left, a->timer_left);
  ck_assert_msg(b->isolated, "%s: memory outside the guest changed, or a shadow entry points outside it", b->mode);
}

/* Run src natively and in mode, and compare; the monitor's state in *t. */
static void eq_check(const char *src, const char *mode, bool strict, eq_state *t) {
  static eq_state n; /* (large: not on the stack) */
  eq_src(src, "native", strict, &n);
  eq_src(src, mode, strict, t);
  eq_same(&n, t);
}

#endif
