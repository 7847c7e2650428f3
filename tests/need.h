/* need.h: what a test needs that it does not make itself, and the shell.
 *
 * A test whose input is missing fails and names the input; it never
 * passes having checked nothing.  `make check` builds the programs and
 * images and installs the Debian packages its tests use (mk/deps.mk), so
 * on a complete tree nothing here fails; tests/tools/test_inputs.c proves
 * that a missing input does fail the run.
 *
 *   need_file("build/guests/guestos.img", "run make");
 *   need_program("readelf", "binutils");
 *   char *out; int st = sh_run("make -s deps-grade", &out);
 */
#ifndef NEED_H
#define NEED_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fail unless path exists and is readable (a program: executable). */
static inline void need_file(const char *path, const char *how) {
  ck_assert_msg(access(path, R_OK) == 0, "missing input: %s (%s)", path, how);
}
static inline void need_exec(const char *path, const char *how) {
  ck_assert_msg(access(path, X_OK) == 0, "missing input: %s (%s)", path, how);
}

/* Fail unless the command `name` is on PATH; pkg: the Debian package. */
static inline void need_program(const char *name, const char *pkg) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", name);
  ck_assert_msg(system(cmd) == 0, "missing input: the program %s (Debian package %s; make check installs it)",
                name, pkg);
}

/* Run a shell command; its output (stdout and stderr) in *out (malloc'd,
 * if out is not NULL); its exit status, or -1 if it was killed. */
static inline int sh_run(const char *cmd, char **out) {
  size_t len = 0;
  char *full = NULL;
  FILE *m = open_memstream(&full, &len);
  ck_assert_ptr_nonnull(m);
  fprintf(m, "(%s) 2>&1", cmd);
  fclose(m);
  fflush(stdout);
  fflush(stderr);
  FILE *p = popen(full, "r");
  ck_assert_msg(p != NULL, "popen %s", cmd);
  free(full);
  size_t cap = 4096, n = 0, got;
  char *s = malloc(cap);
  ck_assert_ptr_nonnull(s);
  while ((got = fread(s + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (n + 1 == cap) {
      s = realloc(s, cap *= 2);
      ck_assert_ptr_nonnull(s);
    }
  }
  s[n] = 0;
  int st = pclose(p);
  if (out)
    *out = s;
  else
    free(s);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run make in this tree (a sub-make of `make check`: the outer make's
 * job server and directory messages are dropped first). */
static inline int make_run(const char *args, char **out) {
  unsetenv("MAKEFLAGS");
  unsetenv("MFLAGS");
  unsetenv("MAKELEVEL");
  size_t len = 0;
  char *cmd = NULL;
  FILE *m = open_memstream(&cmd, &len);
  ck_assert_ptr_nonnull(m);
  fprintf(m, "make -s --no-print-directory %s", args);
  fclose(m);
  int st = sh_run(cmd, out);
  free(cmd);
  return st;
}

#endif
