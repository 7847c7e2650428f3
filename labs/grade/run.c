/* run.c: the grader's test runner, built from the grader's tree only.
 *
 *   run [--first-failure] RUBRIC RESULTS
 *
 * Runs every test the rubric lists (GRADE_TEST functions of
 * labs/labN/grade/NAME.c), each in a forked child of its own (Check's fork
 * mode) with the rubric's timeout, and writes one line per test to
 * RESULTS:  NAME <tab> pass|fail <tab> reason  (the reason with \n, \t, \\
 * and non-printing bytes escaped).  report.c turns that into the rubric,
 * results.json and check.xml.  --first-failure stops at the first test
 * that fails, cheapest tests (shortest timeout) first: `make mutants`
 * needs one failure to kill a mutant.  Otherwise GRADE_JOBS tests run at
 * once (default: one per processor).
 *
 * No code of the submission runs in here: the tests run the submission's
 * programs in the sandbox (blackbox.h, sandbox.h) and compare what comes
 * out.  The environment says where everything is (grade.sh sets it):
 * GRADE_SUB_VMM, GRADE_SUB_VASM, GRADE_SUB_TREE (the submission's build,
 * readable by the sandbox), GRADE_REF_VMM or GRADE_EXPECT (the reference),
 * GRADE_PRIV (the grader's scratch, and detail/NAME.txt: each failure in
 * full), GRADE_BOX (the sandbox's scratch), GRADE_SEED. */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rubric.h"
#include "sandbox.h"

extern const TTest *const __start_grade_tests[];
extern const TTest *const __stop_grade_tests[];

/* ---- the running test (grade.h) ---- */

const char *grade_test = "";
uint64_t grade_rng;
int grade_runs;

void grade_begin(const char *name) {
  const char *s = getenv("GRADE_SEED");
  uint64_t h = 1469598103934665603ull; /* FNV-1a of the name */
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  grade_test = name;
  grade_rng = (s && *s ? strtoull(s, NULL, 10) : 1) ^ h;
  grade_runs = 0;
}

/* ---- the parent ---- */

static void escape(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p == '\\') fputs("\\\\", f);
    else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\x%02x", *p);
    else fputc(*p, f);
  }
}

/* One test in a child of its own: pass, or false with the reason. */
static bool run_one(const TTest *t, const rubric_row *w, char *why, size_t cap) {
  Suite *s = suite_create("lab");
  TCase *tc = tcase_create(w->name);
  tcase_set_timeout(tc, w->timeout);
  tcase_add_test(tc, t);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_FORK);
  srunner_run_all(sr, CK_SILENT);
  TestResult **res = srunner_results(sr);
  bool pass = srunner_ntests_run(sr) == 1 && tr_rtype(res[0]) == CK_PASS;
  const char *msg = srunner_ntests_run(sr) != 1 ? "no result" : pass ? "" : tr_msg(res[0]);
  if (strcmp(msg, "Test timeout expired") == 0)
    snprintf(why, cap, "hung: no result within %d s (an endless loop?)", w->timeout);
  else
    snprintf(why, cap, "%s", msg);
  free(res);
  srunner_free(sr);
  return pass;
}

/* Every test, GRADE_JOBS (default: the number of processors) at a time:
 * each in a worker process of its own that reports through a pipe. */
static void run_all(const rubric *rb, const TTest *const *test, bool *pass, char (*why)[4096]) {
  const char *e = getenv("GRADE_JOBS");
  long jobs = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  if (jobs < 1) jobs = 1;
  pid_t pid[RUBRIC_MAX];
  int fd[RUBRIC_MAX], running = 0;
  for (int k = 0; k < rb->n; k++) {
    snprintf(why[k], 4096, "no result (the test's worker died)");
    while (running >= jobs && wait(NULL) > 0) running--;
    int p[2];
    if (pipe(p) != 0) {
      snprintf(why[k], 4096, "grader: no pipe");
      fd[k] = -1, pid[k] = -1;
      continue;
    }
    fflush(NULL);
    pid[k] = fork();
    if (pid[k] == 0) {
      close(p[0]);
      char w[4096];
      bool ok = run_one(test[k], &rb->row[k], w, sizeof w);
      FILE *f = fdopen(p[1], "w");
      fprintf(f, "%c%s", ok ? 'P' : 'F', w);
      fclose(f);
      _exit(0);
    }
    close(p[1]);
    fd[k] = p[0];
    running += pid[k] > 0;
  }
  while (wait(NULL) > 0) {}
  for (int k = 0; k < rb->n; k++) {
    if (fd[k] < 0) continue;
    char buf[4097];
    ssize_t n = read(fd[k], buf, sizeof buf - 1);
    close(fd[k]);
    if (n <= 0) continue;
    buf[n] = 0;
    pass[k] = buf[0] == 'P';
    snprintf(why[k], 4096, "%s", buf + 1);
  }
}

int main(int argc, char **argv) {
  bool first_failure = argc == 4 && strcmp(argv[1], "--first-failure") == 0;
  if (argc != 3 && !first_failure) {
    fprintf(stderr, "usage: run [--first-failure] RUBRIC RESULTS\n");
    return 2;
  }
  const char *rubric_path = argv[argc - 2], *results = argv[argc - 1];
  static rubric rb;
  char err[256];
  if (rubric_read(rubric_path, &rb, err, sizeof err) != 0) {
    fprintf(stderr, "grader: %s\n", err);
    return 2;
  }
  /* Every row has a test and every test a row: a grader bug otherwise. */
  const TTest *test[RUBRIC_MAX] = {0};
  int bad = 0;
  for (const TTest *const *t = __start_grade_tests; t < __stop_grade_tests; t++) {
    int k = 0;
    while (k < rb.n && strcmp(rb.row[k].name, (*t)->name) != 0) k++;
    if (k == rb.n) fprintf(stderr, "grader: test %s is not in %s\n", (*t)->name, rubric_path), bad = 1;
    else test[k] = *t;
  }
  for (int k = 0; k < rb.n; k++)
    if (!test[k]) fprintf(stderr, "grader: %s lists %s, which no file defines\n", rubric_path, rb.row[k].name), bad = 1;
  if (bad) return 2;

  int order[RUBRIC_MAX];
  for (int k = 0; k < rb.n; k++) order[k] = k;
  if (first_failure) /* cheapest first: a stable sort by timeout */
    for (int i = 1; i < rb.n; i++)
      for (int j = i; j > 0 && rb.row[order[j]].timeout < rb.row[order[j - 1]].timeout; j--) {
        int x = order[j];
        order[j] = order[j - 1], order[j - 1] = x;
      }
  FILE *out = fopen(results, "w");
  if (!out) {
    fprintf(stderr, "grader: cannot write %s\n", results);
    return 2;
  }
  static bool pass[RUBRIC_MAX];
  static char why[RUBRIC_MAX][4096];
  if (first_failure) {
    bool failed = false;
    for (int i = 0; i < rb.n; i++) {
      int k = order[i];
      if (failed) snprintf(why[k], sizeof why[k], "not run (--first-failure)");
      else pass[k] = run_one(test[k], &rb.row[k], why[k], sizeof why[k]), failed = !pass[k];
    }
  } else {
    run_all(&rb, test, pass, why);
  }
  for (int k = 0; k < rb.n; k++) {
    fprintf(out, "%s\t%s\t", rb.row[k].name, pass[k] ? "pass" : "fail");
    escape(out, why[k]);
    fputc('\n', out);
  }
  fclose(out);
  sb_kill_all(); /* nothing of the submission outlives its grading */
  return 0;
}
