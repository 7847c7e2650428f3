/* report.c: the grader's report, built from the grader's tree only.
 *
 *   report [--seed N] [--tree DIR] [--notes FILE] [--not-isolated]
 *          [--failed WHY] RUBRIC OUT
 *
 * Reads OUT/results.tsv (run.c: one line per test) and OUT/priv/detail/
 * NAME.txt (each failure in full: what was run, what was expected, what
 * came out), or, with --failed WHY, a file of the compiler's first errors
 * (the submission did not build: every test 0).  Prints the rubric (each
 * test, its points, pass or FAIL with its reason, the total) followed by
 * every failure in full, and writes from the same verdicts:
 *
 *   OUT/results.json     Gradescope's format (labs/README.md cites the
 *                        spec): score, output, stdout_visibility, and per
 *                        test name, number, score, max_score, visibility,
 *                        output
 *   OUT/pl-results.json  PrairieLearn's: gradable, score in [0, 1],
 *                        message, output, tests with name, description,
 *                        points, max_points, message, output
 *   OUT/check.xml        Check's XML log
 *
 * What a student sees before the deadline never counts the hidden tests:
 * the top-level output gives the visible tests' points and how many
 * points are hidden; a hidden test's details are in its own output, which
 * Gradescope shows after the deadline (PrairieLearn has no such setting:
 * there a hidden test shows its points only).  NOTES (which files were
 * graded, which ignored) and the seed head every output.
 *
 * Exit status: 0 full marks, 1 below, 2 on bad input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rubric.h"

typedef struct result {
  bool pass;
  char why[4096];   /* one line */
  char *detail;     /* every line (malloc'd), or NULL */
} result;

/* ---- text ---- */

static char *slurp(const char *path, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(cap + 1);
  size_t n = fread(buf, 1, cap, f);
  buf[n] = 0;
  fclose(f);
  for (size_t i = 0; i < n; i++) /* (text: a NUL would end it) */
    if (buf[i] == 0) buf[i] = '?';
  return buf;
}

/* results.tsv's escapes: \n \t \\ (\xNN stays as written: no NUL). */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && (r[1] == 'n' || r[1] == 't' || r[1] == '\\')) {
      r++;
      *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : '\\';
    } else {
      *w++ = *r;
    }
  }
  *w = 0;
}

/* JSON string: every byte >= 0x80 as a Latin-1 code point, so that the
 * file is UTF-8 whatever the guest printed. */
static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p == '\t') fputs("\\t", f);
    else if (*p < 0x20 || *p >= 0x7f) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void xml_str(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
    if (*p == '<') fputs("&lt;", f);
    else if (*p == '>') fputs("&gt;", f);
    else if (*p == '&') fputs("&amp;", f);
    else if (*p == '"') fputs("&quot;", f);
    else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p >= 0x7f) fprintf(f, "\\x%02x", *p);
    else fputc(*p, f);
  }
}

static FILE *open_out(const char *out, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", out, name);
  FILE *f = fopen(path, "w");
  if (!f) fprintf(stderr, "grader: cannot write %s\n", path), exit(2);
  return f;
}

/* ---- the outputs ---- */

typedef struct report {
  rubric rb;
  result res[RUBRIC_MAX];
  const char *tree, *out;
  char *notes;  /* NOTES' text, or NULL */
  unsigned long long seed;
  bool failed_build, not_isolated;
  int score, max, vis_score, vis_max, hidden_n, hidden_max;
} report;

static bool visible(const rubric_row *w) { return strcmp(w->vis, "visible") == 0; }

/* What heads every output: the notes, the seed, the visible score. */
static void head(const report *r, FILE *f, bool with_total) {
  if (r->notes && *r->notes) fprintf(f, "%s%s", r->notes, r->notes[strlen(r->notes) - 1] == '\n' ? "" : "\n");
  fprintf(f, "Seed %llu: this run's guests, inputs and prices (make grade LAB=N SEED=%llu replays it).\n", r->seed,
          r->seed);
  if (r->not_isolated)
    fprintf(f, "Not run as root: the submission ran as this user, with resource limits but without the sandbox's user.\n");
  if (r->failed_build) fprintf(f, "The submission does not build: every test scores 0 (each test's output shows the compiler's first errors).\n");
  if (with_total) fprintf(f, "Total: %d/%d.\n", r->score, r->max);
  else
    fprintf(f, "Visible tests: %d/%d.%s", r->vis_score, r->vis_max, r->hidden_n ? "" : "\n");
  if (!with_total && r->hidden_n)
    fprintf(f, "  %d more test%s (%d points) %s shown after the due date.\n", r->hidden_n, r->hidden_n > 1 ? "s" : "",
            r->hidden_max, r->hidden_n > 1 ? "are" : "is");
}

static char *head_text(const report *r, bool with_total) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  head(r, f, with_total);
  fclose(f);
  return buf;
}

/* A test's full text: what it checks, then its failure in full. */
static char *test_text(const report *r, int k) {
  const rubric_row *w = &r->rb.row[k];
  const result *x = &r->res[k];
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  fprintf(f, "%s\n", w->desc);
  if (!x->pass) fprintf(f, "\n%s\n", x->detail ? x->detail : x->why);
  fclose(f);
  return buf;
}

static void print_rubric(const report *r) {
  printf("%s\n(tree: %s)\n", r->rb.title[0] ? r->rb.title : "lab", r->tree);
  head(r, stdout, true);
  printf("\n  %-34s %7s  %s\n", "test", "points", "result");
  for (int k = 0; k < r->rb.n; k++) {
    const rubric_row *w = &r->rb.row[k];
    const result *x = &r->res[k];
    printf("  %-34s %3d/%-3d  %s%s%.*s%s\n", w->name, x->pass ? w->points : 0, w->points, x->pass ? "pass" : "FAIL",
           x->pass ? "" : "  ", x->pass ? 0 : (int)strcspn(x->why, "\n"), x->why,
           visible(w) ? "" : "  (hidden until after the deadline)");
    printf("  %-34s          %s\n", "", w->desc);
  }
  printf("\n  %-34s %3d/%-3d\n", "total", r->score, r->max);
  for (int k = 0; k < r->rb.n; k++) {
    if (r->res[k].pass) continue;
    printf("\n---- %s: FAIL ----\n%s%s", r->rb.row[k].name, r->res[k].detail ? r->res[k].detail : r->res[k].why,
           "\n");
  }
}

static void write_gradescope(const report *r) {
  FILE *j = open_out(r->out, "results.json");
  char *h = head_text(r, false);
  fprintf(j, "{\n  \"score\": %d,\n  \"stdout_visibility\": \"hidden\",\n  \"output\": ", r->score);
  json_str(j, h);
  fprintf(j, ",\n  \"tests\": [\n");
  for (int k = 0; k < r->rb.n; k++) {
    const rubric_row *w = &r->rb.row[k];
    char *t = test_text(r, k);
    fprintf(j, "    {\"name\": ");
    json_str(j, w->name);
    fprintf(j, ", \"number\": \"%d\", \"score\": %d, \"max_score\": %d, \"visibility\": \"%s\",\n     \"output\": ", k + 1,
            r->res[k].pass ? w->points : 0, w->points, w->vis);
    json_str(j, t);
    fprintf(j, "}%s\n", k + 1 < r->rb.n ? "," : "");
    free(t);
  }
  fprintf(j, "  ]\n}\n");
  fclose(j);
  free(h);
}

static void write_prairielearn(const report *r) {
  FILE *j = open_out(r->out, "pl-results.json");
  char *h = head_text(r, false);
  fprintf(j, "{\n  \"gradable\": %s,\n", r->failed_build ? "false" : "true");
  if (r->failed_build) {
    fprintf(j, "  \"format_errors\": [");
    json_str(j, r->res[0].why);
    fprintf(j, "],\n");
  }
  fprintf(j, "  \"score\": %.6f,\n  \"message\": ", r->max ? (double)r->score / r->max : 0.0);
  json_str(j, h);
  fprintf(j, ",\n  \"output\": \"\",\n  \"tests\": [\n");
  for (int k = 0; k < r->rb.n; k++) {
    const rubric_row *w = &r->rb.row[k];
    bool shown = visible(w);
    char *t = shown ? test_text(r, k) : NULL;
    fprintf(j, "    {\"name\": ");
    json_str(j, w->name);
    fprintf(j, ", \"description\": ");
    json_str(j, w->desc);
    fprintf(j, ", \"points\": %d, \"max_points\": %d,\n     \"message\": ", r->res[k].pass ? w->points : 0, w->points);
    json_str(j, r->res[k].pass ? "passed" : shown ? "failed" : "failed (a hidden test: its details are not shown)");
    fprintf(j, ", \"output\": ");
    json_str(j, t ? t : "");
    fprintf(j, "}%s\n", k + 1 < r->rb.n ? "," : "");
    free(t);
  }
  fprintf(j, "  ]\n}\n");
  fclose(j);
  free(h);
}

static void write_check_xml(const report *r) {
  FILE *x = open_out(r->out, "check.xml");
  fprintf(x, "<?xml version=\"1.0\"?>\n<testsuites xmlns=\"http://check.sourceforge.net/ns\">\n  <suite>\n    <title>");
  xml_str(x, r->rb.title);
  fprintf(x, "</title>\n");
  for (int k = 0; k < r->rb.n; k++) {
    const result *e = &r->res[k];
    fprintf(x, "    <test result=\"%s\">\n      <path>.</path>\n      <fn>%s:0</fn>\n      <id>%s</id>\n"
               "      <iteration>0</iteration>\n      <duration>0.000000</duration>\n      <description>",
            e->pass ? "success" : "failure", r->rb.row[k].name, r->rb.row[k].name);
    xml_str(x, r->rb.row[k].desc);
    fprintf(x, "</description>\n      <message>");
    xml_str(x, e->pass ? "Passed" : e->why);
    fprintf(x, "</message>\n    </test>\n");
  }
  fprintf(x, "  </suite>\n  <duration>0.000000</duration>\n</testsuites>\n");
  fclose(x);
}

int main(int argc, char **argv) {
  static report r;
  const char *failed = NULL, *notes = NULL;
  r.tree = ".";
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--not-isolated") == 0) r.not_isolated = true;
    else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0) r.seed = strtoull(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--tree") == 0) r.tree = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--notes") == 0) notes = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--failed") == 0) failed = argv[++i];
    else break;
  }
  if (argc - i != 2) {
    fprintf(stderr, "usage: report [--seed N] [--tree DIR] [--notes FILE] [--not-isolated] [--failed WHY] RUBRIC OUT\n");
    return 2;
  }
  char err[256], path[8200];
  if (rubric_read(argv[i], &r.rb, err, sizeof err) != 0) {
    fprintf(stderr, "grader: %s\n", err);
    return 2;
  }
  r.out = argv[i + 1];
  r.failed_build = failed != NULL;
  if (notes) r.notes = slurp(notes, 16384);
  if (failed) {
    char *why = slurp(failed, 8192);
    for (int k = 0; k < r.rb.n; k++) {
      snprintf(r.res[k].why, sizeof r.res[k].why, "does not build: %s", why ? why : "(no compiler output)");
    }
    free(why);
  } else {
    for (int k = 0; k < r.rb.n; k++) snprintf(r.res[k].why, sizeof r.res[k].why, "no result (the test runner died)");
    snprintf(path, sizeof path, "%s/results.tsv", r.out);
    FILE *f = fopen(path, "r");
    static char line[16384];
    while (f && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = 0;
      char *name = line, *st = strchr(line, '\t'), *msg;
      if (!st) continue;
      *st++ = 0;
      msg = strchr(st, '\t');
      if (msg) *msg++ = 0;
      for (int k = 0; k < r.rb.n; k++)
        if (strcmp(r.rb.row[k].name, name) == 0) {
          r.res[k].pass = strcmp(st, "pass") == 0;
          snprintf(r.res[k].why, sizeof r.res[k].why, "%s", msg ? msg : "");
          unescape(r.res[k].why);
          snprintf(path, sizeof path, "%s/priv/detail/%s.txt", r.out, r.rb.row[k].name);
          if (!r.res[k].pass) r.res[k].detail = slurp(path, 256u << 10);
        }
    }
    if (f) fclose(f);
  }
  for (int k = 0; k < r.rb.n; k++) {
    const rubric_row *w = &r.rb.row[k];
    int got = r.res[k].pass ? w->points : 0;
    r.score += got, r.max += w->points;
    if (visible(w)) r.vis_score += got, r.vis_max += w->points;
    else r.hidden_n++, r.hidden_max += w->points;
  }
  print_rubric(&r);
  write_gradescope(&r);
  write_prairielearn(&r);
  write_check_xml(&r);
  return r.score == r.max ? 0 : 1;
}
