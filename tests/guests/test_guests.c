/* test_guests.c: the guest test suite.  Every test in tests/guests/guests.tbl
 * runs in every mode the table lists for it:
 *
 *   bin/vmm --mode MODE --max-steps N build/guests/test-NAME.img < INPUT
 *
 * and passes if the runner exits 0 and the guest's last line is
 * "SUMMARY: N passed, 0 failed".  A failure shows the guest's whole output,
 * whose FAIL: lines say what went wrong.  One loop test case runs the rows
 * (a (test, mode) pair each), so `CK_RUN_CASE=guest_tests` runs them all. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"

#define TABLE "tests/guests/guests.tbl"
#define MAX_ROWS 256

typedef struct guest_row {
  char name[64];
  char mode[16];
  char steps[24];
  char input[256]; /* "" for /dev/null */
  int line;
} guest_row;

/* Filled once, when the suite is made (before Check forks the tests). */
static guest_row rows[MAX_ROWS];
static int nrows;
static char table_error[256];

/* Read the table: NAME MODES MAX_STEPS [INPUT], # comments.  A malformed
 * line is reported by the test case, not silently skipped. */
static void read_table(void) {
  FILE *f = fopen(TABLE, "r");
  if (!f) {
    snprintf(table_error, sizeof table_error, "cannot open %s (run from the top of the tree)", TABLE);
    return;
  }
  char line[512];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char name[64], modes[128], steps[24], input[256] = "", extra[8];
    int n = sscanf(line, "%63s %127s %23s %255s %7s", name, modes, steps, input, extra);
    if (n <= 0) continue;
    if (n < 3 || n > 4 || strspn(steps, "0123456789") != strlen(steps)) {
      snprintf(table_error, sizeof table_error, "%s:%d: expected NAME MODES MAX_STEPS [INPUT]",
               TABLE, lineno);
      break;
    }
    for (char *mode = strtok(modes, ","); mode; mode = strtok(NULL, ",")) {
      if (nrows == MAX_ROWS || strlen(mode) >= sizeof rows[0].mode) {
        snprintf(table_error, sizeof table_error, "%s:%d: too many rows or a bad mode", TABLE, lineno);
        break;
      }
      guest_row *r = &rows[nrows++];
      snprintf(r->name, sizeof r->name, "%s", name);
      snprintf(r->mode, sizeof r->mode, "%s", mode);
      snprintf(r->steps, sizeof r->steps, "%s", steps);
      snprintf(r->input, sizeof r->input, "%s", input);
      r->line = lineno;
    }
  }
  fclose(f);
}

START_TEST(table_is_sane) {
  ck_assert_msg(table_error[0] == 0, "%s", table_error);
  ck_assert_msg(nrows > 0, "%s lists no tests", TABLE);
}
END_TEST

START_TEST(guest_test) {
  ck_assert_msg(table_error[0] == 0, "%s", table_error);
  ck_assert_msg(_i < nrows, "%s lists no tests", TABLE); /* (the loop has at least one iteration) */
  const guest_row *r = &rows[_i];
  char image[128];
  snprintf(image, sizeof image, "build/guests/test-%s.img", r->name);
  gr_result res;
  gr_run(&res, r->input[0] ? r->input : NULL, "--mode", r->mode, "--max-steps", r->steps, image,
         NULL);
  char last[256];
  gr_last_line(res.out, last, sizeof last);
  unsigned passed, failed;
  bool summary = sscanf(last, "SUMMARY: %u passed, %u failed", &passed, &failed) == 2;
  bool ok = res.status == 0 && summary && failed == 0 && passed > 0;
  if (!ok)
    ck_abort_msg("guest test %s in mode %s (%s:%d): exit status %d, last line \"%s\"\n"
                 "--- output ---\n%s--- stderr ---\n%s",
                 r->name, r->mode, TABLE, r->line, res.status, last, res.out, res.err);
  gr_free(&res);
}
END_TEST

Suite *guests_suite(void) {
  read_table();
  Suite *s = suite_create("guests");
  TCase *tc = tcase_create("guest_tests");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, table_is_sane);
  tcase_add_loop_test(tc, guest_test, 0, nrows > 0 ? nrows : 1);
  suite_add_tcase(s, tc);
  return s;
}
