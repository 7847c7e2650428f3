/* grade.h: what a graded test is written with (labs/labN/grade/, in C).
 *
 *   #include "grade.h"
 *   GRADE_TEST(cli_sti) {            // a Check test, registered for run.c
 *     ...ck_assert_msg(ok, "one line: what went wrong");
 *   }
 *
 * and a line in labs/labN/grade/rubric gives it its points, visibility,
 * timeout and description.  Each test runs in a child process of the
 * runner (Check's fork mode) with its own timeout.
 *
 * The tests are the grader's code only, built from the grader's tree:
 * they run the submission's programs in the sandbox and compare
 * (blackbox.h); lab 1 runs the student's guest on the grader's own
 * simulator, in-process (lab1.h). */
#ifndef GRADE_H
#define GRADE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "check/gen.h"
#include "mmu.h"

/* Register a test in the section run.c reads (GNU ld provides
 * __start_grade_tests and __stop_grade_tests).  The body runs after
 * grade_begin, which starts the test's random numbers from the grading
 * run's seed (blackbox.h). */
#define GRADE_TEST(name)                                                                        \
  static void name##_body(int _i);                                                             \
  static void name##_fn(int _i) {                                                              \
    grade_begin(#name);                                                                        \
    name##_body(_i);                                                                           \
  }                                                                                            \
  static const TTest name##_ttest = {#name, name##_fn, __FILE__, __LINE__};                    \
  static const TTest *const name##_reg __attribute__((used, section("grade_tests"))) = &name##_ttest; \
  static void name##_body(int _i CK_ATTRIBUTE_UNUSED)

/* run.c: the running test's name, its random stream (the grading run's
 * seed and the name), and how many runs it has compared so far. */
void grade_begin(const char *name);
extern const char *grade_test;
extern uint64_t grade_rng;
extern int grade_runs;

/* ---- assembling ---- */

/* Assemble a file of the grader's tree with -I dirs and -D defines
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

#endif
