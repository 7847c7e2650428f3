/* lab1.h: lab 1's guests.  The student's assembly is assembled by the
 * submission's bin/vasm in the sandbox (blackbox.h: it may .include
 * anything, and must not read the grader's files); the image then runs on
 * the grader's own simulator, in-process, with the machine kept for a look
 * at its memory and counters afterwards.  A guest cannot reach the grader
 * from inside the simulated machine. */
#ifndef LAB1_H
#define LAB1_H

#include "blackbox.h"
#include "core/vmm.h"
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

/* Fail the test unless ok: the reason, and in the detail file the whole
 * console output of the run (NUL-safe: every byte shown). */
#define l1_check(r, ok, ...)                                                    \
  do {                                                                          \
    if (!(ok)) {                                                                \
      char why_[600];                                                           \
      snprintf(why_, sizeof why_, __VA_ARGS__);                                 \
      FILE *f_ = bb_detail();                                                   \
      if (f_) {                                                                 \
        fprintf(f_, "%s\n\nthe machine ended with exit %d, halt code %u; its console output:\n", why_, (r)->exit, \
                (r)->c->halt_code);                                             \
        bb_put_text(f_, (r)->out, (r)->len, "  | ", 80);                        \
        fclose(f_);                                                             \
      }                                                                         \
      ck_abort_msg("%s", why_);                                                 \
    }                                                                           \
  } while (0)

/* For messages: why a line may be missing. */
static inline const char *l1_why(const l1_run *r) {
  return r->exit == EXIT_BUDGET ? " (the guest did not stop within 1,000,000 instructions)" : "";
}

static inline void l1_stopped(const l1_run *r) {
  l1_check(r, r->exit != EXIT_BUDGET, "the guest did not stop within 1,000,000 instructions");
}

/* The student's whole guest. */
static inline void l1_student(l1_run *r) {
  image img;
  bb_vasm("labs/lab1", "lab1.s", NULL, NULL, &img);
  l1_go(&img, r);
  image_free(&img);
}

/* The student's kernel with a test program of ours as the user program;
 * PAT (the registers' pattern, L1_SYS_MACRO) is this run's. */
static uint32_t l1_pat;
static inline void l1_probe(const char *user_src, l1_run *r) {
  char *src = malloc(strlen(user_src) + 128);
  l1_pat = bb_rand(0x10000, 0x7ff00000);
  sprintf(src, "PAT = 0x%x\n        .include \"kernel.s\"\n%s", l1_pat, user_src);
  image img;
  bb_vasm("labs/lab1", "probe.s", "probe.s", src, &img);
  free(src);
  l1_go(&img, r);
  image_free(&img);
  l1_stopped(r);
}

static inline uint32_t l1_word(const l1_run *r, uint32_t pa) { return ld32(r->c->mem + pa); }

static inline void l1_free(l1_run *r) {
  cpu_free(r->c);
  r->c = NULL;
}

/* The probes' macro: set every register to the pattern (PAT + 0x1111 *
 * the register's number), make system call NUM with r1 = A1, r2 = A2,
 * and store r0..r15 at L1_RESULTS + 64*SLOT. */
#define L1_SYS_MACRO                                                     \
  "        .macro sys num, a1, a2, slot\n"                               \
  "        li r3, PAT+0x3333\n    li r4, PAT+0x4444\n    li r5, PAT+0x5555\n" \
  "        li r6, PAT+0x6666\n    li r8, PAT+0x8888\n    li r9, PAT+0x9999\n" \
  "        li r10, PAT+0xaaaa\n   li r11, PAT+0xbbbb\n   li r12, PAT+0xcccc\n" \
  "        li r13, PAT+0xdddd\n   li r15, PAT+0xffff\n"                 \
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
