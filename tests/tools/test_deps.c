/* test_deps.c: the deps step (mk/deps.mk, mk/deps.sh) against a fake
 * package manager.
 *
 * A scratch directory holds fake dpkg-query, apt-get and id programs, put
 * first on PATH.  The fake dpkg keeps its database in the file `status`
 * ("PACKAGE WANT ok STATUS" lines); the fake apt-get logs each call in
 * `log`, adds what it installs to `status`, and while the file `busy`
 * holds a number above 0 it counts it down and fails the way apt-get does
 * when another apt holds the dpkg lock.  `uid` is what id -u says.
 *
 *   per target      make deps-T installs exactly T's row of the table:
 *                   grading needs no clang, man-db or graphviz, and
 *                   `make grade` runs deps-grade
 *   installed       nothing missing: apt-get is not called, also while a
 *                   package's triggers are pending
 *   busy            a held lock is waited for, then the install goes on;
 *                   held for longer than DEPS_WAIT, a message and status 1
 *   not root        the exact apt-get command, status 1, no apt-get call
 *   by command      PACKAGE/COMMAND is there when COMMAND is on PATH,
 *                   whatever installed it (the web row's node, say)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "need.h"

static char dir[64];

static const char fake_dpkg_query[] =
    "#!/bin/sh\n"
    "# dpkg-query -W -f=FORMAT PACKAGE...: PACKAGE WANT ok STATUS per known one\n"
    "rc=0\n"
    "for a in \"$@\"; do\n"
    "  case $a in -*) continue ;; esac\n"
    "  grep \"^$a \" \"$FAKE/status\" || { echo \"dpkg-query: no packages found matching $a\" >&2; rc=1; }\n"
    "done\n"
    "exit $rc\n";

static const char fake_apt_get[] =
    "#!/bin/sh\n"
    "echo \"apt-get $*\" >> \"$FAKE/log\"\n"
    "n=$(cat \"$FAKE/busy\" 2>/dev/null || echo 0)\n"
    "if [ \"$n\" -gt 0 ]; then\n"
    "  echo $((n - 1)) > \"$FAKE/busy\"\n"
    "  echo 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)'\n"
    "  echo 'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using "
    "it?'\n"
    "  exit 100\n"
    "fi\n"
    "[ \"$1\" = install ] || exit 0\n"
    "for a in \"$@\"; do\n"
    "  case $a in -* | install) ;; *) echo \"$a install ok installed\" >> \"$FAKE/status\" ;; esac\n"
    "done\n";

static const char fake_id[] =
    "#!/bin/sh\n"
    "cat \"$FAKE/uid\"\n";

static void put(const char *name, const char *text, mode_t mode) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

/* A fresh fake system: dpkg knows `status`, the lock is busy `busy` times. */
static void fake(const char *status, int busy, int uid) {
  snprintf(dir, sizeof dir, "/tmp/vkit-deps-XXXXXX");
  ck_assert(mkdtemp(dir) != NULL);
  put("dpkg-query", fake_dpkg_query, 0755);
  put("apt-get", fake_apt_get, 0755);
  put("id", fake_id, 0755);
  put("status", status, 0644);
  put("log", "", 0644);
  char n[16];
  snprintf(n, sizeof n, "%d\n", busy);
  put("busy", n, 0644);
  snprintf(n, sizeof n, "%d\n", uid);
  put("uid", n, 0644);
}

/* make ARGS with the fakes first on PATH; the output in *out. */
static int fake_make(const char *args, char **out) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "FAKE=%s PATH=%s:$PATH DEPS_POLL=0.1 %s", dir, dir, args);
  return make_run(cmd, out);
}

/* The fake apt-get's log: one line a call. */
static char *apt_log(void) {
  char cmd[128], *log;
  snprintf(cmd, sizeof cmd, "cat %s/log", dir);
  sh_run(cmd, &log);
  return log;
}

static int count(const char *s, const char *what) {
  int n = 0;
  for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
  return n;
}

static void cleanup(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  sh_run(cmd, NULL);
}

/* Nothing installed: each target asks for its row, and only that. */
START_TEST(per_target) {
  static const struct {
    const char *target, *installs;
  } rows[] = {
      {"deps-grade", "apt-get install -y -qq pkg-config check unzip\n"},
      {"deps-fuzz", "apt-get install -y -qq clang libclang-rt-14-dev\n"},
      {"deps-handout", "apt-get install -y -qq unifdef\n"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    fake("", 0, 0);
    char *out, *log;
    int st = fake_make(rows[i].target, &out);
    log = apt_log();
    ck_assert_msg(st == 0, "make %s: status %d\n%s", rows[i].target, st, out);
    ck_assert_msg(strstr(log, "apt-get update -qq\n") == log, "%s: no update first:\n%s", rows[i].target, log);
    ck_assert_msg(strcmp(strchr(log, '\n') + 1, rows[i].installs) == 0, "%s installed:\n%s", rows[i].target, log);
    free(out), free(log);
    cleanup();
  }
  /* `make grade` needs its row only: nothing of the fuzzers, man or dot. */
  char *out;
  ck_assert_int_eq(make_run("-n grade LAB=1", &out), 0);
  ck_assert_msg(strstr(out, "mk/deps.sh grade pkg-config check unzip\n"), "make -n grade:\n%s", out);
  ck_assert_msg(!strstr(out, "clang") && !strstr(out, "man-db") && !strstr(out, "graphviz") && !strstr(out, "python"),
                "%s", out);
  free(out);
}
END_TEST

/* Installed, or installed with triggers still pending: nothing to do. */
START_TEST(installed) {
  fake("pkg-config install ok installed\n"
       "unzip hold ok installed\n"
       "check install ok triggers-pending\n",
       0, 0);
  char *out;
  int st = fake_make("deps-grade", &out);
  char *log = apt_log();
  ck_assert_msg(st == 0 && out[0] == 0, "status %d:\n%s", st, out);
  ck_assert_msg(log[0] == 0, "apt-get was called:\n%s", log);
  free(out), free(log);
  cleanup();
  /* A package dpkg has only unpacked is not there yet. */
  fake("pkg-config install ok installed\n"
       "unzip install ok installed\n"
       "check install ok unpacked\n",
       0, 0);
  st = fake_make("deps-grade", &out);
  log = apt_log();
  ck_assert_msg(st == 0 && strstr(log, "apt-get install -y -qq check\n"), "status %d:\n%s\n%s", st, out, log);
  free(out), free(log);
  cleanup();
}
END_TEST

/* Another apt holds the lock: wait, say so once, then install. */
START_TEST(busy) {
  fake("", 3, 0);
  char *out;
  int st = fake_make("deps-grade", &out);
  char *log = apt_log();
  ck_assert_msg(st == 0, "status %d:\n%s", st, out);
  ck_assert_msg(strstr(out, "deps: the package manager is busy (Could not get lock /var/lib/dpkg/lock-frontend. "
                            "It is held by process 4242 (apt-get)); waiting up to 300s\n"),
                "%s", out);
  ck_assert_msg(count(out, "busy") == 1, "said more than once:\n%s", out);
  ck_assert_msg(strstr(log, "apt-get install -y -qq pkg-config check unzip\n"), "%s", log);
  free(out), free(log);
  cleanup();
  /* Held for longer than DEPS_WAIT: a message and status 1. */
  fake("", 1000, 0);
  st = fake_make("DEPS_WAIT=0.3 deps-grade", &out);
  log = apt_log();
  ck_assert_msg(st != 0, "status %d:\n%s", st, out);
  ck_assert_msg(strstr(out, "deps: the package manager is still busy after 0.3s; run make again when it is done"),
                "%s", out);
  ck_assert_msg(!strstr(log, "install"), "%s", log);
  free(out), free(log);
  cleanup();
}
END_TEST

/* Not root: the command to run, status 1, apt-get never called. */
START_TEST(not_root) {
  fake("pkg-config install ok installed\nunzip install ok installed\n", 0, 1000);
  char *out;
  int st = fake_make("deps-grade", &out);
  char *log = apt_log();
  ck_assert_msg(st != 0, "status %d:\n%s", st, out);
  ck_assert_msg(strstr(out, "deps: grade needs these Debian packages: check\n"
                            "deps: run: sudo apt-get install -y check\n"),
                "%s", out);
  ck_assert_msg(log[0] == 0, "%s", log);
  free(out), free(log);
  cleanup();
}
END_TEST

/* PACKAGE/COMMAND: the command decides, not dpkg. */
START_TEST(by_command) {
  fake("", 0, 0);
  put("vkit-present", "#!/bin/sh\n", 0755);
  char cmd[512], *out;
  snprintf(cmd, sizeof cmd, "FAKE=%s PATH=%s:$PATH mk/deps.sh web pkg-a/vkit-present pkg-b/vkit-absent check", dir,
           dir);
  int st = sh_run(cmd, &out);
  char *log = apt_log();
  ck_assert_msg(st == 0, "status %d:\n%s", st, out);
  ck_assert_msg(strstr(log, "apt-get install -y -qq pkg-b check\n"), "%s", log);
  free(out), free(log);
  cleanup();
  /* And the web edition's row is such a row. */
  ck_assert_int_eq(make_run("-n deps-web", &out), 0);
  ck_assert_msg(strstr(out, "mk/deps.sh web emscripten/emcc nodejs/node npm/npm chromium/"), "%s", out);
  free(out);
}
END_TEST

Suite *deps_suite(void) {
  Suite *s = suite_create("deps");
  TCase *tc = tcase_create("fake_dpkg");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, per_target);
  tcase_add_test(tc, installed);
  tcase_add_test(tc, busy);
  tcase_add_test(tc, not_root);
  tcase_add_test(tc, by_command);
  suite_add_tcase(s, tc);
  return s;
}
