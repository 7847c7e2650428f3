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
#include "core/vm.h"

#define EQ_MEM (256u << 10)
#define EQ_BASE (64u << 10)
#define EQ_GUARD (64u << 10)
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

static bool eq_shadow_inside(const vm *m) {
  uint32_t roots[SHADOW_ROOTS];
  for (int i = 0, n = shadow_roots(m, roots); i < n; i++) {
    for (uint32_t d = 0; d < 1024; d++) {
      uint32_t pde = ld32(m->c->mem + roots[i] + 4 * d);
      if (!(pde & PTE_V) || (m->window_pde && d == 1023)) continue;
      for (uint32_t t = 0; t < 1024; t++) {
        uint32_t pte = ld32(m->c->mem + (pde & ~PAGE_MASK) + 4 * t), pa = pte & ~PAGE_MASK;
        if ((pte & PTE_V) && (pa < m->base || pa >= m->base + m->size)) return false;
      }
    }
  }
  return true;
}

static bool eq_canaries(const cpu *c, uint32_t total) {
  for (uint32_t i = 0; i < EQ_BASE; i++)
    if (c->mem[i] != EQ_CANARY) return false;
  for (uint32_t i = total - EQ_GUARD; i < total; i++)
    if (c->mem[i] != EQ_CANARY) return false;
  return true;
}

/* Run img in mode (native, trap, bt, hw, hw-shadow) for at most steps
 * ticks. */
static void eq_image(const image *img, const char *mode, bool strict, uint64_t steps, eq_state *s) {
  char err[256];
  memset(s, 0, sizeof *s);
  s->mode = mode;
  console_dev con = {.ctx = s, .putc = eq_putc, .getc = eq_getc, .status = eq_status};
  if (strcmp(mode, "native") == 0) {
    cpu *c = cpu_new(EQ_MEM, 64);
    ck_assert_ptr_nonnull(c);
    c->strict_isa = strict;
    ck_assert_int_eq(load_image(c, img, 0, EQ_MEM, err, sizeof err), 0);
    cpu_reset(c, img->entry);
    c->con = con;
    s->exit = cpu_run(c, steps);
    s->halt_code = c->halt_code;
    s->insns = c->st.insns, s->user_insns = c->st.user_insns, s->idle_ticks = c->st.idle_ticks;
    memcpy(s->r, c->r, sizeof s->r);
    memcpy(s->cr, c->cr, sizeof s->cr);
    s->pc = c->pc, s->flags = c->flags, s->timer_left = c->cr[CR_TIMER] ? c->timer_left : 0;
    s->isolated = true;
    s->tlb_misses = c->st.tlb_misses, s->walk_refs = c->st.walk_refs;
    cpu_free(c);
    return;
  }
  bool hw = strncmp(mode, "hw", 2) == 0, shadow = strcmp(mode, "hw-shadow") == 0, bt = strcmp(mode, "bt") == 0;
  ck_assert_msg(hw || bt || strcmp(mode, "trap") == 0, "eq_image: no mode %s", mode);
  bt_config cfg = {0};
  uint32_t extra = hw ? hw_extra(EQ_MEM) : (SHADOW_POOL + (bt ? bt_host_pages(&cfg) : 0)) * PAGE_SIZE;
  uint32_t total = EQ_BASE + EQ_MEM + extra + EQ_GUARD;
  cpu *c = cpu_new(total, 64);
  ck_assert_ptr_nonnull(c);
  memset(c->mem, EQ_CANARY, total);
  c->strict_isa = strict;
  vm *m;
  hw_vm *h = NULL;
  if (hw) {
    h = calloc(1, sizeof *h);
    hw_vm_init(h, c, "guest", EQ_BASE, EQ_MEM, shadow, 1);
    m = &h->m;
  } else {
    c->trap_to_host = true;
    c->flags = FLAG_IE;
    m = calloc(1, sizeof *m);
    vm_init(m, c, "guest", EQ_BASE, EQ_MEM);
  }
  memset(c->mem + EQ_BASE, 0, EQ_MEM);
  if (bt) ck_assert_msg(bt_attach(m, &cfg, m->pool + SHADOW_POOL * PAGE_SIZE) != NULL, "bt_attach failed");
  ck_assert_int_eq(load_image(c, img, EQ_BASE, EQ_MEM, err, sizeof err), 0);
  m->v.con = con;
  if (hw) {
    hw_vm_reset(h, img->entry);
    hw_vm_run(h, steps);
  } else {
    vm_reset(m, img->entry);
    vm_run(m, steps);
  }
  s->exit = m->done ? m->exit : EXIT_BUDGET;
  s->halt_code = m->halt_code;
  s->insns = m->gst.insns, s->user_insns = m->gst.user_insns, s->idle_ticks = m->gst.idle_ticks;
  s->n = m->n;
  s->real_flags = c->flags;
  s->tlb_misses = c->st.tlb_misses, s->walk_refs = c->st.walk_refs;
  if (hw) {
    const vmx_state *g = &h->s.guest;
    memcpy(s->r, g->r, sizeof s->r);
    memcpy(s->cr, g->cr, sizeof s->cr);
    s->pc = g->pc, s->flags = g->flags, s->timer_left = g->cr[CR_TIMER] ? g->timer_left : 0;
    if (shadow) s->cr[CR_PTB] = m->v.cr[CR_PTB], s->cr[CR_PAGING] = m->v.cr[CR_PAGING];
    vm_report r;
    memset(&r, 0, sizeof r);
    hw_report_fill(h, &r);
    s->hw = r.hw;
  } else {
    memcpy(s->r, m->v.r, sizeof s->r);
    memcpy(s->cr, m->v.cr, sizeof s->cr);
    s->pc = m->v.pc, s->flags = m->v.flags, s->timer_left = m->v.cr[CR_TIMER] ? m->v.timer_left : 0;
  }
  s->isolated = eq_canaries(c, total) && eq_shadow_inside(m);
  if (bt) {
    s->bt = m->bt->n;
    bt_free(m->bt);
  }
  free(hw ? (void *)h : (void *)m);
  cpu_free(c);
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
