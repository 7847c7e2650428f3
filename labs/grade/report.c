/* report.c: the grader's report, built from the grader's own tree only.
 *
 *   report RUBRIC RESULTS JSON XML TREE        after a run (run.c's RESULTS)
 *   report RUBRIC --failed REASON JSON XML TREE  the tree did not build:
 *                                              every test 0, REASON (a file:
 *                                              the compiler's first errors)
 *                                              as each test's output
 *
 * Prints the rubric (each test, its points, pass or fail with a one-line
 * reason, the total) and writes Gradescope's results.json.  After a
 * failed build it also writes a Check-style XML log with every test
 * failed, so that a grader reading Check's XML (PrairieLearn's C grader)
 * sees the same; after a run, run.c has written Check's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rubric.h"

typedef struct result {
  int pass;
  char msg[4096];
} result;

static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = 0;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void xml_str(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[3000];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

int main(int argc, char **argv) {
  int failed_build = argc == 7 && strcmp(argv[2], "--failed") == 0;
  if (argc != 6 && !failed_build) {
    fprintf(stderr, "usage: report RUBRIC RESULTS JSON XML TREE | report RUBRIC --failed REASON JSON XML TREE\n");
    return 2;
  }
  static rubric rb;
  static result res[RUBRIC_MAX];
  char err[256];
  if (rubric_read(argv[1], &rb, err, sizeof err) != 0) {
    fprintf(stderr, "grader: %s\n", err);
    return 2;
  }
  const char *json = argv[argc - 3], *xml = argv[argc - 2], *tree = argv[argc - 1];
  if (failed_build) {
    const char *why = slurp(argv[3]);
    for (int k = 0; k < rb.n; k++)
      snprintf(res[k].msg, sizeof res[k].msg, "does not build: %s", why ? why : "(no compiler output)");
  } else {
    for (int k = 0; k < rb.n; k++) snprintf(res[k].msg, sizeof res[k].msg, "no result (the test runner died)");
    FILE *f = fopen(argv[2], "r");
    static char line[8192];
    while (f && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      char *name = line, *st = strchr(line, '\t'), *msg;
      if (!st) continue;
      *st++ = 0;
      msg = strchr(st, '\t');
      if (msg) *msg++ = 0;
      for (int k = 0; k < rb.n; k++)
        if (strcmp(rb.row[k].name, name) == 0) {
          res[k].pass = strcmp(st, "pass") == 0;
          snprintf(res[k].msg, sizeof res[k].msg, "%s", msg ? msg : "");
          unescape(res[k].msg);
        }
    }
    if (f) fclose(f);
  }

  /* ---- the rubric ---- */
  int score = 0, max = 0;
  printf("%s\n(tree: %s)\n\n", rb.title[0] ? rb.title : "lab", tree);
  printf("  %-34s %7s  %s\n", "test", "points", "result");
  for (int k = 0; k < rb.n; k++) {
    const rubric_row *w = &rb.row[k];
    int got = res[k].pass ? w->points : 0;
    score += got, max += w->points;
    char why[100] = "";
    if (!res[k].pass) snprintf(why, sizeof why, "%.*s", (int)strcspn(res[k].msg, "\n"), res[k].msg);
    printf("  %-34s %3d/%-3d  %s%s%s%s\n", w->name, got, w->points, res[k].pass ? "pass" : "FAIL", why[0] ? "  " : "",
           why, strcmp(w->vis, "visible") ? "  (hidden until after the deadline)" : "");
    printf("  %-34s          %s\n", "", w->desc);
  }
  printf("\n  %-34s %3d/%-3d\n", "total", score, max);

  /* ---- Gradescope's results.json ---- */
  FILE *j = fopen(json, "w");
  if (!j) {
    fprintf(stderr, "grader: cannot write %s\n", json);
    return 2;
  }
  fprintf(j, "{\n  \"score\": %d,\n  \"output\": ", score);
  json_str(j, failed_build ? "The submission does not build: every test scores 0 (each test's output shows the compiler's first errors)."
                           : "Each test below says what it checks; a failed one says why.");
  fprintf(j, ",\n  \"tests\": [\n");
  for (int k = 0; k < rb.n; k++) {
    const rubric_row *w = &rb.row[k];
    char out[sizeof res[k].msg + 200];
    snprintf(out, sizeof out, "%s%s%s", w->desc, res[k].pass ? "" : "\n\n", res[k].pass ? "" : res[k].msg);
    fprintf(j, "    {\"name\": ");
    json_str(j, w->name);
    fprintf(j, ", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", \"visibility\": \"%s\",\n     \"output\": ",
            res[k].pass ? w->points : 0, w->points, res[k].pass ? "passed" : "failed", w->vis);
    json_str(j, out);
    fprintf(j, "}%s\n", k + 1 < rb.n ? "," : "");
  }
  fprintf(j, "  ]\n}\n");
  fclose(j);

  /* ---- Check's XML, when no run wrote it ---- */
  if (failed_build) {
    FILE *x = fopen(xml, "w");
    if (!x) {
      fprintf(stderr, "grader: cannot write %s\n", xml);
      return 2;
    }
    fprintf(x, "<?xml version=\"1.0\"?>\n<testsuites xmlns=\"http://check.sourceforge.net/ns\">\n  <suite>\n    <title>");
    xml_str(x, rb.title);
    fprintf(x, "</title>\n");
    for (int k = 0; k < rb.n; k++) {
      fprintf(x, "    <test result=\"failure\">\n      <path>.</path>\n      <fn>build:0</fn>\n      <id>%s</id>\n"
                 "      <iteration>0</iteration>\n      <duration>0.000000</duration>\n      <description>%s</description>\n"
                 "      <message>",
              rb.row[k].name, rb.row[k].name);
      xml_str(x, res[k].msg);
      fprintf(x, "</message>\n    </test>\n");
    }
    fprintf(x, "  </suite>\n  <duration>0.000000</duration>\n</testsuites>\n");
    fclose(x);
  }
  return 0;
}
