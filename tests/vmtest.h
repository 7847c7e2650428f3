/* vmtest.h: run one small guest natively and under a monitor, side by
 * side, for the monitor's suites (any row of the mode table).
 *
 *   run_result n, t;
 *   run_src(SRC, "native", false, &n);
 *   run_src(SRC, "trap", false, &t);
 *   same_run(&n, &t);   // output, halt code, instruction counts, registers
 *
 * The guest's console output is kept in a buffer; the guest's memory is
 * placed at host-physical GUEST_BASE under the monitor, with canary pages
 * below it and above the monitor's own pages, so that a test can prove
 * that no byte outside the guest's allocation changed. */
#ifndef VMTEST_H
#define VMTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "core/mode.h"
#include "run/runner.h"

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
  vm_report rep;        /* the counters of --stats-json */
  bool canaries_ok;     /* monitor modes: memory outside the guest untouched */
  bool shadow_in_guest; /* every entry of the monitor's tables points into the guest */
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

/* Run an assembled image in any mode of the mode table (core/mode.h) for
 * at most `steps` ticks, as bin/vmm would build it, the guest's memory at
 * GUEST_BASE between canaries. */
/* (`trace`: with --shadow trace, in the modes that shadow page tables.) */
static inline void run_image_traced(const image *img, const char *mode, bool strict, bool trace, uint64_t steps,
                                    run_result *res) {
  char err[256];
  memset(res, 0, sizeof *res);
  console_dev con = {.ctx = &res->out, .putc = out_putc, .getc = no_input, .status = input_status};
  vmm_opts o = {.mode = mode, .mem = GUEST_MEM, .tlb = 64, .strict_isa = strict, .image = "guest",
                .shadow_trace = trace};
  cost_profile(&o.cost, "modern");
  const vmm_mode *md = mode_find(mode, &o);
  ck_assert_msg(md != NULL, "no mode %s", mode);
  guest g;
  ck_assert_msg(guest_create(&g, md, &o, img, con, GUEST_BASE, err, sizeof err) == 0, "%s", err);
  cpu *c = g.c;
  bool guarded = g.m != NULL; /* natively the guest owns the machine: no guards */
  if (guarded) {
    memset(c->mem, CANARY, GUEST_BASE);
    memset(c->mem + g.end, CANARY, CANARY_TOP);
  }
  guest_run(&g, steps);
  /* Every byte of a view is set (guest_view_get does not clear it
   * first): filled over zeros and over 0xa5, the same bytes. */
  guest_view v, w;
  memset(&v, 0, sizeof v);
  memset(&w, 0xa5, sizeof w);
  guest_view_get(&g, &v);
  guest_view_get(&g, &w);
  ck_assert_msg(memcmp(&v, &w, sizeof v) == 0, "%s: guest_view_get left bytes of the view as they were", mode);
  guest_report(&g, &res->rep);
  res->exit = v.exit;
  res->halt_code = v.halt_code;
  res->insns = res->rep.st.insns;
  res->user_insns = res->rep.st.user_insns;
  memcpy(res->r, v.r, sizeof res->r);
  if (g.m) res->n = g.m->n;
  res->canaries_ok = true;
  for (uint32_t i = 0; guarded && i < GUEST_BASE; i++)
    if (c->mem[i] != CANARY) res->canaries_ok = false;
  for (uint32_t i = 0; guarded && i < CANARY_TOP; i++)
    if (c->mem[g.end + i] != CANARY) res->canaries_ok = false;
  res->shadow_in_guest = guest_outside(&g) == 0;
  guest_destroy(&g);
}

static inline void run_image(const image *img, const char *mode, bool strict, uint64_t steps, run_result *res) {
  run_image_traced(img, mode, strict, false, steps, res);
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
