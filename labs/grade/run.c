/* run.c: the grader's test runner, linked with the tree under test.
 *
 *   run RUBRIC RESULTS XML
 *
 * Runs every test the rubric lists (GRADE_TEST functions of
 * labs/labN/grade/NAME.c), each as its own Check test case in a forked child
 * with the rubric's timeout, writes Check's XML log, and one line per test
 * to RESULTS:  NAME <tab> pass|fail <tab> reason (\n and \t escaped).
 * report.c turns that into the rubric and Gradescope's results.json.
 *
 * This process runs no code of the tree under test: Check forks before
 * every test.  A test counts as passed only if its body returned
 * (grade_finished left its mark in a scratch directory): Check alone
 * would pass a child that the code under test ended with exit(0).  In the child, stderr goes to a scratch file, and a crash
 * (a panic's abort, a segfault) fails the test with the last line the
 * code printed there, e.g. "panic: lab 2: vmm/core/trap.c emu_cli: not written
 * yet", instead of a bare signal number. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rubric.h"

extern const TTest *const __start_grade_tests[];
extern const TTest *const __stop_grade_tests[];

/* ---- in the child: stderr captured, crashes explained ---- */

static int err_fd = -1;

static void on_crash(int sig) {
  char buf[4096], line[300] = "";
  off_t end = lseek(err_fd, 0, SEEK_END);
  off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
  ssize_t n = pread(err_fd, buf, sizeof buf - 1, from);
  buf[n > 0 ? n : 0] = 0;
  /* the last "panic:" line, else the last non-empty line */
  char *p = NULL, *s = buf;
  for (char *q = strstr(s, "panic:"); q; q = strstr(q + 1, "panic:")) p = q;
  if (!p) {
    size_t k = strlen(buf);
    while (k > 0 && buf[k - 1] == '\n') buf[--k] = 0;
    p = strrchr(buf, '\n');
    p = p ? p + 1 : buf;
  }
  snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\n"), p);
  signal(sig, SIG_DFL);
  ck_abort_msg("crashed (%s)%s%s", strsignal(sig), line[0] ? ": " : "", line);
}

static void child_setup(void) {
  char name[] = "/tmp/vkit-grade-XXXXXX";
  err_fd = mkstemp(name);
  if (err_fd < 0) return;
  unlink(name);
  fflush(stderr);
  dup2(err_fd, 2);
  int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], on_crash);
}

static void child_teardown(void) {}

/* ---- in the child, when a test's body returned ---- */

static char done_dir[] = "/tmp/vkit-grade-done-XXXXXX";

void grade_finished(const char *name) {
  char path[sizeof done_dir + 80];
  snprintf(path, sizeof path, "%s/%s", done_dir, name);
  FILE *f = fopen(path, "w");
  if (f) fclose(f);
}

static bool finished(const char *name) {
  char path[sizeof done_dir + 80];
  snprintf(path, sizeof path, "%s/%s", done_dir, name);
  bool ok = access(path, F_OK) == 0;
  unlink(path);
  return ok;
}

/* ---- the parent ---- */

static void escape(FILE *f, const char *s) {
  for (; s && *s; s++) {
    if (*s == '\n') fputs("\\n", f);
    else if (*s == '\t') fputs("\\t", f);
    else if (*s == '\\') fputs("\\\\", f);
    else fputc(*s, f);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: run RUBRIC RESULTS XML\n");
    return 2;
  }
  static rubric rb;
  char err[256];
  if (rubric_read(argv[1], &rb, err, sizeof err) != 0) {
    fprintf(stderr, "grader: %s\n", err);
    return 2;
  }
  /* Every row has a test and every test a row: a grader bug otherwise. */
  const TTest *test[RUBRIC_MAX] = {0};
  int bad = 0;
  for (const TTest *const *t = __start_grade_tests; t < __stop_grade_tests; t++) {
    int k = 0;
    while (k < rb.n && strcmp(rb.row[k].name, (*t)->name) != 0) k++;
    if (k == rb.n) fprintf(stderr, "grader: test %s is not in %s\n", (*t)->name, argv[1]), bad = 1;
    else test[k] = *t;
  }
  for (int k = 0; k < rb.n; k++)
    if (!test[k]) fprintf(stderr, "grader: %s lists %s, which no file defines\n", argv[1], rb.row[k].name), bad = 1;
  if (bad) return 2;

  if (!mkdtemp(done_dir)) {
    fprintf(stderr, "grader: cannot make a scratch directory\n");
    return 2;
  }
  Suite *s = suite_create(rb.title[0] ? rb.title : "lab");
  for (int k = 0; k < rb.n; k++) {
    TCase *tc = tcase_create(rb.row[k].name);
    tcase_set_timeout(tc, rb.row[k].timeout);
    tcase_add_checked_fixture(tc, child_setup, child_teardown);
    tcase_add_test(tc, test[k]);
    suite_add_tcase(s, tc);
  }
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_FORK); /* never the student's code in here */
  srunner_set_xml(sr, argv[3]);
  srunner_run_all(sr, CK_SILENT);

  FILE *out = fopen(argv[2], "w");
  if (!out) {
    fprintf(stderr, "grader: cannot write %s\n", argv[2]);
    return 2;
  }
  TestResult **res = srunner_results(sr);
  int n = srunner_ntests_run(sr);
  for (int k = 0; k < rb.n; k++) {
    TestResult *tr = NULL; /* (Check's accessors take it non-const) */
    for (int i = 0; i < n; i++)
      if (strcmp(tr_tcname(res[i]), rb.row[k].name) == 0) tr = res[i];
    bool pass = tr && tr_rtype(tr) == CK_PASS && finished(rb.row[k].name);
    fprintf(out, "%s\t%s\t", rb.row[k].name, pass ? "pass" : "fail");
    char hung[128];
    const char *msg = !tr                      ? "no result"
                      : pass                   ? ""
                      : tr_rtype(tr) == CK_PASS ? "the test never finished: the code under test ended the process (exit?)"
                                               : tr_msg(tr);
    if (strcmp(msg, "Test timeout expired") == 0) {
      snprintf(hung, sizeof hung, "hung: no result within %d s (an endless loop?)", rb.row[k].timeout);
      msg = hung;
    }
    escape(out, msg);
    fputc('\n', out);
  }
  free(res);
  fclose(out);
  rmdir(done_dir);
  srunner_free(sr);
  return 0;
}
