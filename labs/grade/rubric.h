/* rubric.h: a lab's rubric file, read by the runner (run.c) and the
 * report (report.c).  One line per graded test, # comments:
 *
 *   NAME  POINTS  VISIBILITY  TIMEOUT  DESCRIPTION...
 *
 *   NAME        the test's function (GRADE_TEST(NAME) in labs/labN/grade/)
 *   POINTS      what it is worth
 *   VISIBILITY  Gradescope's: visible, after_due_date, after_published or
 *               hidden.  Tests that are not `visible` live in hidden.c,
 *               which handouts leave out (labs/cut.sh drops their rows)
 *   TIMEOUT     seconds before the test counts as hung
 *   DESCRIPTION one line: what the test checks (shown in the rubric)
 */
#ifndef RUBRIC_H
#define RUBRIC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUBRIC_MAX 64

typedef struct rubric_row {
  char name[64];
  int points;
  char vis[24];
  int timeout;
  char desc[160];
} rubric_row;

typedef struct rubric {
  char title[160]; /* the first comment line, without "# " */
  rubric_row row[RUBRIC_MAX];
  int n;
} rubric;

/* 0, or -1 with a message in err. */
static int rubric_read(const char *path, rubric *r, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) return snprintf(err, errlen, "cannot open %s", path), -1;
  char line[512];
  int lineno = 0;
  memset(r, 0, sizeof *r);
  while (fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\n")] = 0;
    if (line[0] == '#') {
      if (!r->title[0] && line[1]) snprintf(r->title, sizeof r->title, "%s", line + 1 + (line[1] == ' '));
      continue;
    }
    rubric_row *w = &r->row[r->n];
    int used = 0;
    if (sscanf(line, " %63s %d %23s %d %n", w->name, &w->points, w->vis, &w->timeout, &used) < 4) {
      if (strspn(line, " \t") == strlen(line)) continue;
      fclose(f);
      return snprintf(err, errlen, "%s:%d: expected NAME POINTS VISIBILITY TIMEOUT DESCRIPTION", path, lineno), -1;
    }
    snprintf(w->desc, sizeof w->desc, "%s", line + used);
    if (strcmp(w->vis, "visible") && strcmp(w->vis, "after_due_date") && strcmp(w->vis, "after_published") &&
        strcmp(w->vis, "hidden")) {
      fclose(f);
      return snprintf(err, errlen, "%s:%d: bad visibility '%s'", path, lineno, w->vis), -1;
    }
    if (w->points < 0 || w->timeout <= 0 || ++r->n == RUBRIC_MAX) {
      fclose(f);
      return snprintf(err, errlen, "%s:%d: bad points or timeout, or too many tests", path, lineno), -1;
    }
  }
  fclose(f);
  if (r->n == 0) return snprintf(err, errlen, "%s: no tests", path), -1;
  return 0;
}

#endif
