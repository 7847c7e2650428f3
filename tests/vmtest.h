/* vmtest.h: run one small guest natively and under the monitor, side by
 * side, for the monitor's suites.
 *
 *   run_result n, t;
 *   run_src(SRC, "native", false, &n);
 *   run_src(SRC, "trap", false, &t);
 *   same_run(&n, &t);   // output, halt code, instruction counts, registers
 *
 * The guest's console output is kept in a buffer; the guest's memory is
 * placed at host-physical GUEST_BASE under the monitor, with canary pages
 * below it and above the monitor's pool, so that a test can prove that no
 * byte outside the guest's allocation changed. */
#ifndef VMTEST_H
#define VMTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "core/vm.h"

#define GUEST_MEM (256u << 10)
#define GUEST_BASE (64u << 10) /* canaries below */
#define CANARY_TOP (64u << 10) /* and above the pool */
#define CANARY 0xa5

typedef struct outbuf {
  char text[8192];
  size_t len;
} outbuf;

static void out_putc(void *ctx, int ch) {
  outbuf *o = ctx;
  if (o->len + 1 < sizeof o->text) o->text[o->len++] = (char)ch;
  o->text[o->len] = 0;
}
static int no_input(void *ctx) {
  (void)ctx;
  return -1;
}
static int input_status(void *ctx) {
  (void)ctx;
  return 2;
}

typedef struct run_result {
  outbuf out;
  enum cpu_exit exit;
  uint32_t halt_code;
  uint64_t insns, user_insns;
  uint32_t r[NREGS];
  vmm_counters n;
  bool canaries_ok;     /* monitor modes: memory outside the guest untouched */
  bool shadow_in_guest; /* every valid shadow PTE points into the guest */
} run_result;

/* What every small test guest starts with: _start jumps to main; puthex
 * prints r1 in hex and a space (clobbers r2, r3); `show REG` prints a
 * register that way (clobbers r1-r3, lr); `nl` ends the line. */
#define GUEST_PRELUDE                                                     \
  "        .org 0x1000\n"                                            \
  "_start: jmp main\n"                                               \
  "puthex: li r2, 28\n"                                              \
  "1:      shr r3, r1, r2\n"                                         \
  "        andi r3, r3, 15\n"                                        \
  "        cmpi r3, 10\n"                                            \
  "        blt 2f\n"                                                 \
  "        addi r3, r3, 87\n"                                        \
  "        jmp 3f\n"                                                 \
  "2:      addi r3, r3, 48\n"                                        \
  "3:      out 0x00, r3\n"                                           \
  "        addi r2, r2, -4\n"                                        \
  "        cmpi r2, 0\n"                                             \
  "        bge 1b\n"                                                 \
  "        li r3, 32\n"                                              \
  "        out 0x00, r3\n"                                           \
  "        ret\n"                                                    \
  "        .macro show reg\n"                                        \
  "        mov r1, \\reg\n"                                          \
  "        call puthex\n"                                            \
  "        .endm\n"                                                  \
  "        .macro nl\n"                                              \
  "        li r3, 10\n"                                              \
  "        out 0x00, r3\n"                                           \
  "        .endm\n"

static inline void assemble_or_fail(const char *src, image *img) {
  asm_diag diag = {0};
  int rc = asm_assemble(NULL, "guest.s", src, strlen(src), img, &diag);
  ck_assert_msg(rc == 0, "guest does not assemble:\n%s", diag.text ? diag.text : "");
  asm_diag_free(&diag);
}

static inline bool shadow_points_inside(const vm *m) {
  uint32_t roots[SHADOW_ROOTS];
  for (int i = 0, n = shadow_roots(m, roots); i < n; i++) {
    for (uint32_t d = 0; d < 1024; d++) {
      uint32_t pde;
      memcpy(&pde, m->c->mem + roots[i] + 4 * d, 4);
      if (!(pde & PTE_V)) continue;
      for (uint32_t t = 0; t < 1024; t++) {
        uint32_t pte;
        memcpy(&pte, m->c->mem + (pde & ~PAGE_MASK) + 4 * t, 4);
        uint32_t pa = pte & ~PAGE_MASK;
        if ((pte & PTE_V) && (pa < m->base || pa >= m->base + m->size)) return false;
      }
    }
  }
  return true;
}

/* Run an assembled image in a mode ("native" or "trap") for at most
 * `steps` ticks. */
static inline void run_image(const image *img, const char *mode, bool strict, uint64_t steps, run_result *res) {
  char err[256];
  memset(res, 0, sizeof *res);
  console_dev con = {.ctx = &res->out, .putc = out_putc, .getc = no_input, .status = input_status};
  if (strcmp(mode, "native") == 0) {
    cpu *c = cpu_new(GUEST_MEM, 64);
    ck_assert_ptr_nonnull(c);
    c->strict_isa = strict;
    ck_assert_int_eq(load_image(c, img, 0, GUEST_MEM, err, sizeof err), 0);
    cpu_reset(c, img->entry);
    c->con = con;
    res->exit = cpu_run(c, steps);
    res->halt_code = c->halt_code;
    res->insns = c->st.insns;
    res->user_insns = c->st.user_insns;
    memcpy(res->r, c->r, sizeof res->r);
    res->canaries_ok = res->shadow_in_guest = true;
    cpu_free(c);
    return;
  }
  uint32_t total = GUEST_BASE + GUEST_MEM + SHADOW_POOL * PAGE_SIZE + CANARY_TOP;
  cpu *c = cpu_new(total, 64);
  ck_assert_ptr_nonnull(c);
  memset(c->mem, CANARY, total);
  c->strict_isa = strict;
  c->trap_to_host = true;
  c->flags = FLAG_IE;
  vm *m = calloc(1, sizeof *m);
  vm_init(m, c, "guest", GUEST_BASE, GUEST_MEM);
  memset(c->mem + GUEST_BASE, 0, GUEST_MEM);
  ck_assert_int_eq(load_image(c, img, GUEST_BASE, GUEST_MEM, err, sizeof err), 0);
  m->v.con = con;
  vm_reset(m, img->entry);
  vm_run(m, steps);
  res->exit = m->done ? m->exit : EXIT_BUDGET;
  res->halt_code = m->halt_code;
  res->insns = m->gst.insns;
  res->user_insns = m->gst.user_insns;
  memcpy(res->r, m->v.r, sizeof res->r);
  res->n = m->n;
  res->canaries_ok = true;
  for (uint32_t i = 0; i < GUEST_BASE; i++)
    if (c->mem[i] != CANARY) res->canaries_ok = false;
  for (uint32_t i = total - CANARY_TOP; i < total; i++)
    if (c->mem[i] != CANARY) res->canaries_ok = false;
  res->shadow_in_guest = shadow_points_inside(m);
  free(m);
  cpu_free(c);
}

static inline void run_src(const char *src, const char *mode, bool strict, run_result *res) {
  image img;
  assemble_or_fail(src, &img);
  run_image(&img, mode, strict, 2000000, res);
  image_free(&img);
}

/* The guest cannot tell: same output, same end, same instruction counts,
 * same registers. */
static inline void same_run(const run_result *a, const run_result *b) {
  if (strcmp(a->out.text, b->out.text) != 0)
    fprintf(stderr, "---- first run:\n%s---- second run:\n%s----\n", a->out.text, b->out.text);
  ck_assert_msg(strcmp(a->out.text, b->out.text) == 0, "console output differs (printed above)");
  ck_assert_int_eq(a->exit, b->exit);
  ck_assert_uint_eq(a->halt_code, b->halt_code);
  ck_assert_uint_eq(a->insns, b->insns);
  ck_assert_uint_eq(a->user_insns, b->user_insns);
  for (int i = 0; i < NREGS; i++) ck_assert_msg(a->r[i] == b->r[i], "r%d: %08x vs %08x", i, a->r[i], b->r[i]);
}

#endif
