/* main.c: the Check runner.  Runs every suite in suites.h, in fork mode
 * (set by `make check` through CK_FORK) with per-test timeouts.
 * `check SUITE...` runs only the named suites. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

#define DECLARE(fn) Suite *fn(void);
SUITES(DECLARE)

static const struct {
  const char *name;
  Suite *(*make)(void);
} suites[] = {
#define ROW(fn) {#fn, fn},
    SUITES(ROW)
};

int main(int argc, char **argv) {
  SRunner *sr = NULL;
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    bool wanted = argc < 2;
    for (int a = 1; a < argc; a++)
      if (strcmp(argv[a], suites[i].name) == 0) wanted = true;
    if (!wanted) continue;
    if (!sr)
      sr = srunner_create(suites[i].make());
    else
      srunner_add_suite(sr, suites[i].make());
  }
  if (!sr) return 2;
  srunner_set_xml(sr, "build/asan/check.xml");
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
