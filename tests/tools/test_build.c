/* test_build.c: warnings as errors (WERROR, Makefile).
 *
 * On the compilers the kit is checked with (WERROR_COMPILERS) a warning is
 * an error; on any other, a student's or a grader's build goes on past a
 * new warning.  The "new compiler" here is gcc behind a script that calls
 * itself version 99 and has a warning of its own (a #warning in a header it
 * includes first): it builds an object, with the warning shown, unless
 * WERROR=yes.
 *
 * CI builds everything with each known compiler (.ci/run); here, quickly,
 * the file gcc 11 once refused (vmm/run/multi.c, -Walloc-size-larger-than
 * at -O2) builds with each of them, and so does the grader's own code,
 * which the grader builds with warnings shown but never fatal (a grader's
 * newer compiler must still grade): here they are errors.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "need.h"

static char dir[64];

static void put(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  chmod(path, 0755);
}

/* The new compiler: gcc 99, with a warning of its own.  (Under `make
 * check` the outer make exports its own WERROR: not for these makes.) */
static void new_compiler(void) {
  unsetenv("WERROR");
  snprintf(dir, sizeof dir, "/tmp/vkit-build-XXXXXX");
  ck_assert(mkdtemp(dir) != NULL);
  put("new.h", "#warning a warning only the newer compiler gives\n");
  char text[512];
  snprintf(text, sizeof text,
           "#!/bin/sh\n"
           "case $1 in\n"
           "  -dumpversion) echo 99.1 ;;\n"
           "  -v) echo 'gcc version 99.1.0 (a compiler newer than the kit)' >&2 ;;\n"
           "  *) exec gcc -include %s/new.h \"$@\" ;;\n"
           "esac\n",
           dir);
  put("newcc", text);
}

/* The compile command make would run for one object, for these options. */
static char *compile_line(const char *opts) {
  char args[512], *out;
  snprintf(args, sizeof args, "-n -B %s build/obj/cpu/cost.o", opts);
  int st = make_run(args, &out);
  ck_assert_msg(st == 0, "make %s: %d\n%s", args, st, out);
  return out;
}

START_TEST(werror_by_compiler) {
  static const struct {
    const char *opts;
    bool werror;
  } rows[] = {
      {"CC=gcc-11", true},           {"CC=gcc-12", true},           {"CC=clang-14", true},
      {"CC=clang-16", true},         {"CC=%s/newcc", false},        {"CC=%s/newcc WERROR=yes", true},
      {"CC=gcc-11 WERROR=no", false},
  };
  new_compiler();
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char opts[256];
    snprintf(opts, sizeof opts, rows[i].opts, dir);
    char *line = compile_line(opts);
    ck_assert_msg(strstr(line, "cpu/cost.c"), "%s: no compile line:\n%s", opts, line);
    ck_assert_msg((strstr(line, "-Werror") != NULL) == rows[i].werror, "%s: %s", opts, line);
    free(line);
  }
}
END_TEST

/* The new compiler warns, and the object is built all the same. */
START_TEST(new_warning_builds) {
  new_compiler();
  char args[512], *out;
  snprintf(args, sizeof args, "-B CC=%s/newcc O=%s/obj %s/obj/cpu/cost.o", dir, dir, dir);
  int st = make_run(args, &out);
  ck_assert_msg(st == 0 && strstr(out, "warning: #warning a warning only the newer compiler gives"),
                "status %d:\n%s", st, out);
  free(out);
  snprintf(args, sizeof args, "-B CC=%s/newcc O=%s/obj WERROR=yes %s/obj/cpu/cost.o", dir, dir, dir);
  st = make_run(args, &out);
  ck_assert_msg(st != 0 && strstr(out, "error:"), "with WERROR=yes: status %d:\n%s", st, out);
  free(out);
  snprintf(args, sizeof args, "rm -rf %s", dir);
  sh_run(args, NULL);
}
END_TEST

START_TEST(known_compilers_build_multi) {
  static const char *const compilers[] = {"gcc-11", "gcc-12", "clang-14", "clang-16"};
  unsetenv("WERROR");
  snprintf(dir, sizeof dir, "/tmp/vkit-build-XXXXXX");
  ck_assert(mkdtemp(dir) != NULL);
  for (int i = 0; i < 4; i++) {
    need_program(compilers[i], compilers[i][0] == 'g' ? "gcc" : compilers[i]);
    char args[512], *out;
    snprintf(args, sizeof args, "-B CC=%s WERROR=yes O=%s/%s %s/%s/vmm/run/multi.o", compilers[i], dir,
             compilers[i], dir, compilers[i]);
    int st = make_run(args, &out);
    ck_assert_msg(st == 0 && !strstr(out, "warning"), "%s: status %d:\n%s", compilers[i], st, out);
    free(out);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  sh_run(cmd, NULL);
}
END_TEST

/* The grader's sources (labs/grade, labs/labN/grade), as labs/grade/grade.sh
 * compiles them, with -Werror, under each known compiler. */
START_TEST(grader_builds_without_warnings) {
  static const char *const compilers[] = {"gcc-11", "gcc-12", "clang-14", "clang-16"};
  for (int i = 0; i < 4; i++) {
    need_program(compilers[i], compilers[i][0] == 'g' ? "gcc" : compilers[i]);
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd,
             "for f in labs/grade/*.c labs/lab*/grade/*.c; do %s -O2 -Wall -Wextra -Werror -std=c11 -D_DEFAULT_SOURCE "
             "-Ilabs/grade -Icpu -Iassembler -Ivmm $(pkg-config --cflags check) -c $f -o /dev/null || exit 1; done",
             compilers[i]);
    int st = sh_run(cmd, &out);
    ck_assert_msg(st == 0 && out[0] == 0, "%s: status %d:\n%s", compilers[i], st, out);
    free(out);
  }
}
END_TEST

Suite *build_suite(void) {
  Suite *s = suite_create("build");
  TCase *tc = tcase_create("werror");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, werror_by_compiler);
  tcase_add_test(tc, new_warning_builds);
  tcase_add_test(tc, known_compilers_build_multi);
  tcase_add_test(tc, grader_builds_without_warnings);
  suite_add_tcase(s, tc);
  return s;
}
