/* lab1.h: lab 1's guests, run natively in-process with the machine kept
 * for a look at its memory and counters afterwards. */
#ifndef LAB1_H
#define LAB1_H

#include "grade.h"
#include "mmu.h"

#define L1_MEM (256u << 10)
#define L1_RESULTS 0x7000u /* where the probes store what they saw */
#define L1_STEPS 1000000

typedef struct l1_run {
  cpu *c;
  char out[8192];
  size_t len;
  enum cpu_exit exit;
} l1_run;

static inline void l1_putc(void *ctx, int ch) {
  l1_run *r = ctx;
  if (r->len + 1 < sizeof r->out) r->out[r->len++] = (char)ch;
  r->out[r->len] = 0;
}
static inline int l1_getc(void *ctx) { return (void)ctx, -1; }
static inline int l1_status(void *ctx) { return (void)ctx, 2; }

static inline void l1_go(const image *img, l1_run *r) {
  char err[256];
  memset(r, 0, sizeof *r);
  r->c = cpu_new(L1_MEM, 64);
  ck_assert_ptr_nonnull(r->c);
  ck_assert_msg(load_image(r->c, img, 0, L1_MEM, err, sizeof err) == 0, "the image does not load: %s", err);
  cpu_reset(r->c, img->entry);
  r->c->con = (console_dev){.ctx = r, .putc = l1_putc, .getc = l1_getc, .status = l1_status};
  r->exit = cpu_run(r->c, L1_STEPS);
}

/* For messages: why a line may be missing. */
static inline const char *l1_why(const l1_run *r) {
  return r->exit == EXIT_BUDGET ? " (the guest did not stop within 1,000,000 instructions)" : "";
}

static inline void l1_stopped(const l1_run *r) {
  ck_assert_msg(r->exit != EXIT_BUDGET, "the guest did not stop within 1,000,000 instructions; it printed: %.200s", r->out);
}

/* The student's whole guest. */
static inline void l1_student(l1_run *r) {
  const char *inc[] = {"labs/lab1", NULL};
  image img;
  grade_assemble("labs/lab1/lab1.s", inc, NULL, &img);
  l1_go(&img, r);
  image_free(&img);
}

/* The student's kernel with a test program of ours as the user program. */
static inline void l1_probe(const char *user_src, l1_run *r) {
  char *src = malloc(strlen(user_src) + 64);
  sprintf(src, "        .include \"kernel.s\"\n%s", user_src);
  const char *inc[] = {"labs/lab1", NULL};
  asm_options o = {.include_dirs = inc, .ninclude = 1};
  asm_diag diag = {0};
  image img;
  int rc = asm_assemble(&o, "probe.s", src, strlen(src), &img, &diag);
  free(src);
  if (rc != 0) {
    char first[300] = "";
    if (diag.text) snprintf(first, sizeof first, "%.*s", (int)strcspn(diag.text, "\n"), diag.text);
    asm_diag_free(&diag);
    ck_abort_msg("kernel.s with the test program does not assemble: %s", first);
  }
  asm_diag_free(&diag);
  l1_go(&img, r);
  image_free(&img);
  l1_stopped(r);
}

static inline uint32_t l1_word(const l1_run *r, uint32_t pa) { return ld32(r->c->mem + pa); }

static inline void l1_free(l1_run *r) {
  cpu_free(r->c);
  r->c = NULL;
}

/* The probes' macro: set every register to a pattern, make system call
 * NUM with r1 = A1, r2 = A2, and store r0..r15 at L1_RESULTS + 64*SLOT. */
#define L1_SYS_MACRO                                                     \
  "        .macro sys num, a1, a2, slot\n"                               \
  "        li r3, 0x3333\n        li r4, 0x4444\n        li r5, 0x5555\n" \
  "        li r6, 0x6666\n        li r8, 0x8888\n        li r9, 0x9999\n" \
  "        li r10, 0xaaaa\n       li r11, 0xbbbb\n       li r12, 0xcccc\n" \
  "        li r13, 0xdddd\n       li r15, 0xffff\n"                     \
  "        li r1, \\a1\n          li r2, \\a2\n          li r7, \\num\n"  \
  "        syscall\n"                                                    \
  "        sw r1, 0x7004 + 64*\\slot(zero)\n"                           \
  "        sw r2, 0x7008 + 64*\\slot(zero)\n"                           \
  "        sw r3, 0x700c + 64*\\slot(zero)\n"                           \
  "        sw r4, 0x7010 + 64*\\slot(zero)\n"                           \
  "        sw r5, 0x7014 + 64*\\slot(zero)\n"                           \
  "        sw r6, 0x7018 + 64*\\slot(zero)\n"                           \
  "        sw r7, 0x701c + 64*\\slot(zero)\n"                           \
  "        sw r8, 0x7020 + 64*\\slot(zero)\n"                           \
  "        sw r9, 0x7024 + 64*\\slot(zero)\n"                           \
  "        sw r10, 0x7028 + 64*\\slot(zero)\n"                          \
  "        sw r11, 0x702c + 64*\\slot(zero)\n"                          \
  "        sw r12, 0x7030 + 64*\\slot(zero)\n"                          \
  "        sw r13, 0x7034 + 64*\\slot(zero)\n"                          \
  "        sw r14, 0x7038 + 64*\\slot(zero)\n"                          \
  "        sw r15, 0x703c + 64*\\slot(zero)\n"                          \
  "        .endm\n"

#endif
