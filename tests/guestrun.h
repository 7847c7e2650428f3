/* guestrun.h: run bin/vmm on a guest image as a subprocess, for the guest
 * suites (test_guests.c, test_guestos.c).
 *
 *   gr_result r;
 *   gr_run(&r, "tests/guests/console.in", "--mode", "native", "IMAGE", NULL);
 *   ... r.status, r.out, r.err ...
 *   gr_free(&r);
 *
 * The runner is exec'ed directly (no shell); stdin comes from a file
 * (NULL: /dev/null); stdout and stderr go to temporary files that are read
 * back whole, so neither can fill a pipe and block.  Paths are relative to
 * the top of the tree, where `make check` runs the tests.
 *
 * Expected outputs kept in the tree are compared exactly (gr_expect_file).
 * After a deliberate change to a guest's output, regenerate them with
 *   VKIT_UPDATE_EXPECTED=1 build/asan/check guestos_suite
 * and READ the new files before committing them. */
#ifndef GUESTRUN_H
#define GUESTRUN_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runner under test: $VKIT_VMM (make check sets it to the
 * AddressSanitizer+UBSan build, so the monitor itself is checked while the
 * guests run), else bin/vmm. */
#define GR_VMM (getenv("VKIT_VMM") ? getenv("VKIT_VMM") : "bin/vmm")
#define GR_MAX_ARGS 32

typedef struct gr_result {
  int status; /* exit status, or -1 if killed by a signal */
  char *out;  /* stdout, NUL-terminated */
  size_t outlen;
  char *err; /* stderr, NUL-terminated */
} gr_result;

/* The whole file at path, NUL-terminated (malloc'd); NULL if unreadable. */
static inline char *gr_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t k;
  while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += k;
    if (n + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

static inline int gr_tempfile(char *name, size_t cap) {
  snprintf(name, cap, "%s/vkit-guest-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemp(name);
  ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
  return fd;
}

/* Run GR_VMM with the NULL-terminated arguments that follow `input`. */
static inline void gr_runv(gr_result *r, const char *input, const char *const *args) {
  const char *argv[GR_MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = GR_VMM;
  for (; *args; args++) {
    ck_assert_msg(argc <= GR_MAX_ARGS, "gr_run: too many arguments");
    argv[argc++] = *args;
  }
  argv[argc] = NULL;
  char outname[256], errname[256];
  int out = gr_tempfile(outname, sizeof outname);
  int err = gr_tempfile(errname, sizeof errname);
  int in = open(input ? input : "/dev/null", O_RDONLY);
  ck_assert_msg(in >= 0, "cannot open %s: %s", input ? input : "/dev/null", strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(GR_VMM, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s (run `make` first)\n", GR_VMM, strerror(errno));
    _exit(127);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0) ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
  close(in);
  close(out);
  close(err);
  r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  r->out = gr_slurp(outname, &r->outlen);
  r->err = gr_slurp(errname, NULL);
  unlink(outname);
  unlink(errname);
  ck_assert_msg(r->out && r->err, "cannot read back the output of %s", GR_VMM);
}

static inline void gr_run(gr_result *r, const char *input, ...) {
  const char *args[GR_MAX_ARGS + 1];
  int n = 0;
  va_list ap;
  va_start(ap, input);
  const char *a;
  while ((a = va_arg(ap, const char *)) != NULL) {
    ck_assert_msg(n < GR_MAX_ARGS, "gr_run: too many arguments");
    args[n++] = a;
  }
  va_end(ap);
  args[n] = NULL;
  gr_runv(r, input, args);
}

/* The number under a path of keys in a --stats-json text ("vmm",
 * "world_switches"; up to three, NULL after the last): each key is looked
 * for after the previous one, so "vmm" then "emulated" then "iret" finds
 * vmm.emulated.iret.  A key not there fails the test. */
static inline uint64_t gr_json_num(const char *json, const char *k1, const char *k2, const char *k3) {
  const char *keys[] = {k1, k2, k3};
  const char *p = json;
  for (int i = 0; i < 3 && keys[i]; i++) {
    char q[64];
    snprintf(q, sizeof q, "\"%s\":", keys[i]);
    p = strstr(p, q);
    ck_assert_msg(p != NULL, "no key %s in the JSON", keys[i]);
    p += strlen(q);
  }
  return strtoull(p, NULL, 10);
}

static inline void gr_free(gr_result *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

/* Write text to a new temporary file; its name goes in name (unlink it). */
static inline void gr_temp_input(const char *text, char *name, size_t cap) {
  int fd = gr_tempfile(name, cap);
  size_t n = strlen(text);
  ck_assert_msg(write(fd, text, n) == (ssize_t)n, "cannot write %s", name);
  close(fd);
}

/* The last non-empty line of s, copied into buf. */
static inline const char *gr_last_line(const char *s, char *buf, size_t cap) {
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '\n') n--;
  size_t start = n;
  while (start > 0 && s[start - 1] != '\n') start--;
  size_t len = n - start < cap - 1 ? n - start : cap - 1;
  memcpy(buf, s + start, len);
  buf[len] = 0;
  return buf;
}

/* Fail unless text equals the file `expected` byte for byte; say where
 * they first differ.  With VKIT_UPDATE_EXPECTED set, write the file. */
static inline void gr_expect_file(const char *what, const char *text, const char *expected) {
  if (getenv("VKIT_UPDATE_EXPECTED")) {
    FILE *f = fopen(expected, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", expected, strerror(errno));
    fputs(text, f);
    fclose(f);
    return;
  }
  char *want = gr_slurp(expected, NULL);
  ck_assert_msg(want != NULL, "%s: cannot read %s", what, expected);
  size_t i = 0, line = 1;
  while (want[i] && want[i] == text[i]) {
    if (want[i] == '\n') line++;
    i++;
  }
  if (want[i] != text[i]) {
    size_t ls = i;
    while (ls > 0 && want[ls - 1] != '\n') ls--;
    char got_line[200], want_line[200];
    snprintf(want_line, sizeof want_line, "%.*s", (int)strcspn(want + ls, "\n"), want + ls);
    snprintf(got_line, sizeof got_line, "%.*s", (int)strcspn(text + ls, "\n"), text + ls);
    free(want);
    ck_abort_msg("%s differs from %s at line %zu:\n  want: %s\n  got:  %s\n--- whole output ---\n%s",
                 what, expected, line, want_line, got_line, text);
  }
  free(want);
}

#endif
