/* test_sandbox.c: the grader's sandbox users (labs/grade/sandbox.h).
 *
 * Graders side by side must never share a sandbox user: the end of one
 * grading run kills every process of its user, and with one user for all
 * runs four correct submissions graded at once scored 100, 0, 100, 0 (the
 * first run to end killed the others' builds).  sb_claim gives each run a
 * user of its own; these tests hold it to that in a scratch claims
 * directory (labs/platforms.sh grades side by side, as root, end to end).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../labs/grade/sandbox.h"

static char dir[64];

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/vkit-claims-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* A process that lives until killed; its pid. */
static pid_t sleeper(void) {
  pid_t p = fork();
  ck_assert_int_ge(p, 0);
  if (p == 0) {
    pause();
    _exit(0);
  }
  return p;
}

/* The pid of a process that has ended (and been reaped). */
static pid_t dead_pid(void) {
  pid_t p = fork();
  ck_assert_int_ge(p, 0);
  if (p == 0) _exit(0);
  waitpid(p, NULL, 0);
  return p;
}

START_TEST(runs_side_by_side_get_different_users) {
  pid_t a = sleeper(), b = sleeper();
  uid_t ua = sb_claim(a, dir), ub = sb_claim(b, dir), ua2 = sb_claim(a, dir);
  ck_assert_uint_ne(ua, 0);
  ck_assert_uint_ne(ub, 0);
  ck_assert_uint_ne(ua, ub);
  ck_assert_uint_ne(ua2, 0);
  ck_assert_uint_ne(ua2, ua); /* a second claim is a second user, never a shared one */
  ck_assert_uint_ne(ua2, ub);
  uid_t all[] = {ua, ub, ua2};
  for (int i = 0; i < 3; i++) { /* numbers no account has */
    ck_assert_uint_ge(all[i], SB_UID);
    ck_assert_uint_lt(all[i], SB_UID + SB_USERS);
  }
  kill(a, SIGKILL), kill(b, SIGKILL);
  waitpid(a, NULL, 0), waitpid(b, NULL, 0);
}
END_TEST

START_TEST(every_user_taken_gives_none) {
  pid_t a = sleeper();
  uid_t seen[SB_USERS] = {0};
  for (int i = 0; i < SB_USERS; i++) {
    seen[i] = sb_claim(a, dir);
    ck_assert_uint_ne(seen[i], 0);
    for (int j = 0; j < i; j++) ck_assert_uint_ne(seen[i], seen[j]);
  }
  ck_assert_uint_eq(sb_claim(a, dir), 0); /* never one already taken */
  sb_release(seen[7], dir);
  ck_assert_uint_eq(sb_claim(a, dir), seen[7]); /* given back: free again */
  kill(a, SIGKILL);
  waitpid(a, NULL, 0);
}
END_TEST

START_TEST(a_claim_whose_run_ended_is_taken_over) {
  pid_t gone = dead_pid();
  uid_t u = sb_claim(gone, dir); /* a grader killed before it gave its user back */
  ck_assert_uint_ne(u, 0);
  pid_t a = sleeper();
  int n = 0, got_u = 0;
  for (uid_t v; (v = sb_claim(a, dir)) != 0; n++) got_u += v == u;
  ck_assert_int_eq(n, SB_USERS); /* every user, the stale one among them */
  ck_assert_int_eq(got_u, 1);
  kill(a, SIGKILL);
  waitpid(a, NULL, 0);
}
END_TEST

START_TEST(an_unsafe_claims_directory_is_refused) {
  char path[128], link[128];
  snprintf(path, sizeof path, "%s/open", dir);
  ck_assert_int_eq(mkdir(path, 0777), 0);
  ck_assert_int_eq(chmod(path, 0777), 0); /* anyone could fake or drop claims */
  ck_assert_uint_eq(sb_claim(getpid(), path), 0);
  snprintf(link, sizeof link, "%s/link", dir);
  snprintf(path, sizeof path, "%s/real", dir);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  ck_assert_int_eq(symlink(path, link), 0);
  ck_assert_uint_eq(sb_claim(getpid(), link), 0);
  snprintf(path, sizeof path, "%s/file", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  ck_assert_uint_eq(sb_claim(getpid(), path), 0);
  snprintf(path, sizeof path, "%s/new", dir); /* missing: made, private */
  ck_assert_uint_ne(sb_claim(getpid(), path), 0);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 077, 0);
}
END_TEST

Suite *sandbox_suite(void) {
  Suite *s = suite_create("sandbox");
  TCase *tc = tcase_create("claims");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, runs_side_by_side_get_different_users);
  tcase_add_test(tc, every_user_taken_gives_none);
  tcase_add_test(tc, a_claim_whose_run_ended_is_taken_over);
  tcase_add_test(tc, an_unsafe_claims_directory_is_refused);
  suite_add_tcase(s, tc);
  return s;
}
