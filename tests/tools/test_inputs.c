/* test_inputs.c: a test whose input is missing fails (tests/need.h), and
 * so does `make check`: no test passes having checked nothing.
 *
 * Each case takes one input away and runs the part of the suite that needs
 * it, in a child, expecting it to fail and name what is missing:
 *
 *   the Check runner      from a scratch directory (no bin/, no build/
 *                         guests) or with an empty PATH (no readelf, no
 *                         dot), one test case at a time (CK_RUN_CASE);
 *                         the runner's status is what `make check` sees
 *   the fuzzers' burst    without clang: make fuzz-smoke fails
 *   labs-check            a tree without the labs' markers that is not a
 *                         handout fails
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "need.h"

/* Run one test case of the runner: env and directory as given (NULL: this
 * one); its status and output. */
static int run_case(const char *env, const char *cwd, const char *suite, const char *tcase, char **out) {
  char runner[PATH_MAX], cmd[PATH_MAX + 512];
  ck_assert_ptr_nonnull(realpath("build/asan/check", runner));
  snprintf(cmd, sizeof cmd, "%s%s%s CK_FORK=yes CK_RUN_CASE=%s %s %s %s_suite", cwd ? "cd " : "",
           cwd ? cwd : "", cwd ? " &&" : "", tcase, env, runner, suite);
  return sh_run(cmd, out);
}

/* A scratch directory with what the runner writes into (its log). */
static void scratch(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/vkit-inputs-XXXXXX");
  ck_assert(mkdtemp(dir) != NULL);
  char sub[PATH_MAX];
  snprintf(sub, sizeof sub, "mkdir -p %s/build/asan", dir);
  ck_assert_int_eq(sh_run(sub, NULL), 0);
}

static void remove_dir(const char *dir) {
  char cmd[PATH_MAX];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  sh_run(cmd, NULL);
}

static const struct {
  const char *what, *env; /* env: "" or PATH=... */
  bool scratch;           /* run from an empty directory */
  const char *suite, *tcase, *says;
  bool control; /* run again with the input there (the rest are long: their suites run them) */
} cases[] = {
    {"bin/vdb (batch)", "", true, "vdb", "batch_status", ":batch_status:0: missing input: bin/vdb (run make)", true},
    {"bin/vdb (terminal)", "", true, "vdb", "terminal", ":terminal:0: missing input: bin/vdb (run make)", true},
    {"the guest images (hw)", "", true, "hw", "images",
     ":images:every_guest_image:0: missing input: 0 guest images in build/guests", false},
    {"the guest OS image (bt)", "", true, "bt", "images",
     ":images:guestos:0: missing input: build/guests/guestos.img (run make)", false},
    {"readelf", "PATH=/nonexistent", false, "asm", "language",
     ":test_readelf_accepts:0: missing input: the program readelf (Debian package binutils", true},
    {"dot", "PATH=/nonexistent", false, "vdb", "dot_renders",
     ":dot_renders:0: missing input: the program dot (Debian package graphviz", true},
};

START_TEST(missing_input_fails) {
  char dir[64] = "";
  if (cases[_i].scratch) scratch(dir, sizeof dir);
  char *out;
  int st = run_case(cases[_i].env, cases[_i].scratch ? dir : NULL, cases[_i].suite, cases[_i].tcase, &out);
  ck_assert_msg(st != 0, "without %s the runner passed:\n%s", cases[_i].what, out);
  ck_assert_msg(strstr(out, cases[_i].says), "without %s: no \"%s\" in:\n%s", cases[_i].what, cases[_i].says,
                out);
  free(out);
  if (dir[0]) remove_dir(dir);
}
END_TEST

/* The same test cases run the same way in this tree, inputs there, pass:
 * the failures above are the missing inputs', not the way they are run. */
START_TEST(present_input_passes) {
  int n = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (!cases[i].control) continue;
    char *out;
    int st = run_case("", NULL, cases[i].suite, cases[i].tcase, &out);
    ck_assert_msg(st == 0, "with %s the runner failed:\n%s", cases[i].what, out);
    free(out);
    n++;
  }
  ck_assert_int_ge(n, 4);
}
END_TEST

/* Without clang's libFuzzer, the fuzzers' burst in make check fails. */
START_TEST(fuzz_without_clang) {
  char *out;
  int st = make_run("fuzz-smoke FUZZ_CC=/nonexistent/clang", &out);
  ck_assert_msg(st != 0, "make fuzz-smoke passed without clang:\n%s", out);
  ck_assert_msg(strstr(out, "fuzz: /nonexistent/clang with libFuzzer is not installed"), "%s", out);
  free(out);
}
END_TEST

/* labs-check in a tree that lost its labs' markers fails; in a handout it
 * has nothing to check. */
START_TEST(labs_without_markers) {
  char dir[64], cmd[512], *out;
  scratch(dir, sizeof dir);
  snprintf(cmd, sizeof cmd, "mkdir -p %s/labs/lab1 %s/cpu %s/vmm && cp labs/check.sh %s/labs/", dir, dir, dir, dir);
  ck_assert_int_eq(sh_run(cmd, NULL), 0);
  snprintf(cmd, sizeof cmd, "%s/labs/check.sh", dir);
  int st = sh_run(cmd, &out);
  ck_assert_msg(st != 0 && strstr(out, "the labs' solutions are missing"), "status %d:\n%s", st, out);
  free(out);
  snprintf(cmd, sizeof cmd, "echo '# Generated by labs/cut.sh: the files' > %s/labs/lab1/FILES", dir);
  ck_assert_int_eq(sh_run(cmd, NULL), 0);
  snprintf(cmd, sizeof cmd, "%s/labs/check.sh", dir);
  st = sh_run(cmd, &out);
  ck_assert_msg(st == 0 && strstr(out, "a handout"), "status %d:\n%s", st, out);
  free(out);
  remove_dir(dir);
}
END_TEST

Suite *inputs_suite(void) {
  Suite *s = suite_create("inputs");
  TCase *tc = tcase_create("missing");
  tcase_set_timeout(tc, 120);
  int n = (int)(sizeof cases / sizeof cases[0]);
  tcase_add_loop_test(tc, missing_input_fails, 0, n);
  tcase_add_test(tc, present_input_passes);
  tcase_add_test(tc, fuzz_without_clang);
  tcase_add_test(tc, labs_without_markers);
  suite_add_tcase(s, tc);
  return s;
}
