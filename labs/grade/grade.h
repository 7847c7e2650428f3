/* grade.h: what a graded test is written with (labs/labN/grade/, in C).
 *
 *   #include "grade.h"
 *   GRADE_TEST(cli_sti) {            // a Check test, registered for run.c
 *     ...ck_assert_msg(ok, "one line: what went wrong");
 *   }
 *
 * and a line in labs/labN/grade/rubric gives it its points, visibility,
 * timeout and description.  The tests are compiled against the tree under
 * test (its cpu/, assembler/, vmm/ and tests/ headers, its libkit) and run
 * in that tree's top directory, each in a child process (Check's fork
 * mode) with its own timeout: a crash, a panic or a hang fails that test
 * alone, with a one-line reason.
 *
 * The helpers run guests in-process, in any mode, with the console kept
 * in a buffer: the same machinery as bin/vmm (vmm/run/main.c), minus the
 * process. */
#ifndef GRADE_H
#define GRADE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "check/gen.h"
#include "check/lockstep.h"
#include "core/mode.h"
#include "run/runner.h"

/* Register a test in the section run.c reads (GNU ld provides
 * __start_grade_tests and __stop_grade_tests).  The body is wrapped: when
 * it returns, grade_finished (run.c) records that it did, because Check
 * would count a child that exited early with status 0 (the code under
 * test calling exit(0)) as a pass. */
#define GRADE_TEST(name)                                                                        \
  static void name##_body(int _i);                                                             \
  static void name##_fn(int _i) {                                                              \
    name##_body(_i);                                                                           \
    grade_finished(#name);                                                                     \
  }                                                                                            \
  static const TTest name##_ttest = {#name, name##_fn, __FILE__, __LINE__};                    \
  static const TTest *const name##_reg __attribute__((used, section("grade_tests"))) = &name##_ttest; \
  static void name##_body(int _i CK_ATTRIBUTE_UNUSED)

void grade_finished(const char *name);

/* ---- assembling ---- */

/* Assemble a file of the tree under test with -I dirs and -D defines
 * (NULL-terminated lists, or NULL); fail the test with the assembler's
 * first error if it does not assemble. */
static inline void grade_assemble(const char *path, const char *const *incs, const char *const *defs, image *img) {
  asm_options o = {0};
  int ni = 0, nd = 0;
  while (incs && incs[ni]) ni++;
  while (defs && defs[nd]) nd++;
  o.include_dirs = incs, o.ninclude = ni, o.defines = defs, o.ndefines = nd;
  asm_diag diag = {0};
  int rc = asm_assemble_file(&o, path, img, &diag);
  if (rc != 0) {
    char first[300] = "";
    if (diag.text) snprintf(first, sizeof first, "%.*s", (int)strcspn(diag.text, "\n"), diag.text);
    asm_diag_free(&diag);
    ck_abort_msg("%s does not assemble: %s", path, first);
  }
  asm_diag_free(&diag);
}

static inline void grade_assemble_src(const char *src, image *img) {
  asm_diag diag = {0};
  int rc = asm_assemble(NULL, "test.s", src, strlen(src), img, &diag);
  ck_assert_msg(rc == 0, "the test's guest does not assemble: %s", diag.text ? diag.text : "");
  asm_diag_free(&diag);
}

/* ---- running a whole image, as bin/vmm --mode MODE would ---- */

typedef struct grade_run {
  char *out;   /* the console output, NUL-terminated (malloc'd) */
  vm_report r; /* the counters of --stats-json */
  int status;  /* bin/vmm's exit status (halt code, 70 dead, 75 steps) */
} grade_run;

/* mode: native, trap, bt, hw, hw-shadow.  input: console input or NULL
 * (end of input).  max_steps 0: no limit (the test's timeout still is). */
static inline void grade_run_image(const image *img, const char *mode, bool strict, uint32_t mem, uint64_t max_steps,
                                   const char *input, grade_run *g) {
  vmm_opts o = {.mode = mode, .mem = mem ? mem : 1u << 20, .tlb = 64, .max_steps = max_steps, .strict_isa = strict,
                .image = "guest"};
  cost_profile(&o.cost, "modern");
  const vmm_mode *md = mode_find(mode, &o);
  ck_assert_msg(md != NULL, "no mode %s", mode);
  FILE *out = tmpfile(), *in = NULL;
  ck_assert_msg(out != NULL, "tmpfile");
  if (input) {
    in = tmpfile();
    fputs(input, in);
    rewind(in);
  }
  host_console hc;
  host_console_init(&hc, out, in);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  memset(g, 0, sizeof *g);
  char err[256];
  guest gu;
  int rc = guest_create(&gu, md, &o, img, con, 0, err, sizeof err);
  ck_assert_msg(rc == 0, "the %s runner could not start (status %d): %s", mode, rc, err);
  guest_run(&gu, max_steps ? max_steps : UINT64_MAX);
  guest_report(&gu, &g->r);
  guest_view v;
  guest_view_get(&gu, &v);
  g->status = report_status(&g->r, &v);
  guest_destroy(&gu);
  fflush(out);
  long n = ftell(out);
  rewind(out);
  g->out = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
  if (n > 0 && fread(g->out, 1, (size_t)n, out) != (size_t)n) ck_abort_msg("cannot read the console back");
  fclose(out);
  if (in) fclose(in);
}

static inline void grade_run_free(grade_run *g) {
  free(g->out);
  g->out = NULL;
}

/* The line of text that contains `what`, for messages ("" if none). */
static inline const char *grade_line_with(const char *text, const char *what, char *buf, size_t cap) {
  const char *p = strstr(text, what);
  buf[0] = 0;
  if (!p) return buf;
  while (p > text && p[-1] != '\n') p--;
  snprintf(buf, cap, "%.*s", (int)strcspn(p, "\n"), p);
  return buf;
}

/* The last non-empty line of text. */
static inline const char *grade_last_line(const char *text, char *buf, size_t cap) {
  size_t n = strlen(text);
  while (n > 0 && text[n - 1] == '\n') n--;
  size_t s = n;
  while (s > 0 && text[s - 1] != '\n') s--;
  snprintf(buf, cap, "%.*s", (int)(n - s), text + s);
  return buf;
}

/* ---- random kernels in lockstep (docs/reliability.md) ---- */

/* Generate kernel `seed` of `kind` and run it natively and under mode side
 * by side; fail at the first tick where the guest could tell them apart. */
static inline void grade_lockstep(const char *mode, bool strict, uint64_t seed, enum gen_kind kind) {
  gen_opts go = {.seed = seed, .kind = kind};
  image img;
  char err[256];
  ck_assert_msg(gen_image(&go, &img, err, sizeof err) == 0, "generator: %s", err);
  vmm_opts o = {.mode = mode, .mem = GEN_MEM, .tlb = 64, .max_steps = 4 * GEN_MAX_TICKS, .strict_isa = strict};
  cost_profile(&o.cost, "modern");
  if (strcmp(mode, "hw-shadow") == 0) o.hw_shadow = true;
  ls_opts lo = {0};
  ls_result res;
  ck_assert_msg(lockstep_run(&o, &lo, &img, &res) == 0, "lockstep could not start in mode %s", mode);
  image_free(&img);
  ck_assert_msg(res.verdict == LS_AGREE, "random kernel %llu (%s): the guest can tell: at tick %llu, %s: %s",
                (unsigned long long)seed, gen_kind_name(kind), (unsigned long long)res.at_tick, res.insn_text,
                res.what);
  ck_assert_msg(res.outside == 0, "random kernel %llu (%s): %llu bytes or shadow entries outside the guest",
                (unsigned long long)seed, gen_kind_name(kind), (unsigned long long)res.outside);
}

#endif
