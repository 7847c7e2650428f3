/* test_docs.c: the lecture deck, the man pages and `make install`.
 *
 *   deck       `make slides` builds build/slides/index.html (it runs the
 *              generator only when the code or the deck changed: about 15 s
 *              the first time, most of it the bench; see slides/README.md);
 *              then: no placeholder is left; every number in the deck is a
 *              value of build/slides/gen/values.txt, shown as written there;
 *              the deck carries that file's build id, and the file is newer
 *              than every program and image it was measured with; every
 *              picture and @include the source names was generated and
 *              inlined.
 *   man        each docs/man/NAME.1 renders with groff and man without a
 *              warning, and names every option of its program's usage text.
 *   install    `make install PREFIX=tmp` installs every program, page and
 *              guest image (the installed vmm boots the installed guest
 *              OS); `make uninstall` removes them.
 *   pages      `make docs-check` (docs/doccheck.c): every ```run block of
 *              README.md, docs/ and every folder's README.md prints what
 *              the page shows, and every marked figure is this build's value;
 *              and the checker itself fails on a stale figure, a changed
 *              output, and output shown in a fence it does not run.
 *
 * The tests call make from inside `make check`: MAKEFLAGS and friends are
 * dropped first, so the inner make neither expects the outer one's job
 * server nor prints its directory.
 */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SL "build/slides"

/* ---- helpers ---- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, got;
  char *s = malloc(cap);
  while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (n + 1 == cap) s = realloc(s, cap *= 2);
  }
  fclose(f);
  if (s) s[n] = 0;
  return s;
}

/* Run a shell command; its output (stdout and stderr) in *out; the status. */
static int sh(const char *cmd, char **out) {
  char full[2048];
  snprintf(full, sizeof full, "(%s) 2>&1", cmd);
  FILE *p = popen(full, "r");
  ck_assert_msg(p != NULL, "popen %s", cmd);
  size_t cap = 4096, n = 0, got;
  char *s = malloc(cap);
  while ((got = fread(s + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (n + 1 == cap) s = realloc(s, cap *= 2);
  }
  s[n] = 0;
  int st = pclose(p);
  if (out) *out = s;
  else free(s);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int make(const char *args, char **out) {
  unsetenv("MAKEFLAGS");
  unsetenv("MFLAGS");
  unsetenv("MAKELEVEL");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "make -s --no-print-directory %s", args);
  return sh(cmd, out);
}

static double mtime(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
}

/* The value of key in a `key = value` file's text, or NULL. */
static char *value_of(const char *values, const char *key) {
  size_t k = strlen(key);
  for (const char *l = values; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, key, k) == 0 && strncmp(l + k, " = ", 3) == 0) {
      const char *v = l + k + 3, *e = strchr(v, '\n');
      size_t n = e ? (size_t)(e - v) : strlen(v);
      char *r = malloc(n + 1);
      memcpy(r, v, n);
      r[n] = 0;
      return r;
    }
  }
  return NULL;
}

/* The attribute value after `name="` at p, HTML-unescaped. */
static char *attr(const char *p, const char *name) {
  char pat[64];
  snprintf(pat, sizeof pat, "%s=\"", name);
  const char *a = strstr(p, pat);
  if (!a) return NULL;
  a += strlen(pat);
  const char *e = strchr(a, '"');
  char *r = malloc((size_t)(e - a) + 1), *w = r;
  for (const char *s = a; s < e; s++) {
    static const char *const ents[][2] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}};
    bool done = false;
    for (int i = 0; i < 4 && !done; i++)
      if (strncmp(s, ents[i][0], strlen(ents[i][0])) == 0) {
        *w++ = ents[i][1][0];
        s += strlen(ents[i][0]) - 1;
        done = true;
      }
    if (!done) *w++ = *s;
  }
  *w = 0;
  return r;
}

static void build_deck(void) {
  char *out;
  int st = make("slides", &out);
  ck_assert_msg(st == 0, "make slides failed (%d):\n%s", st, out);
  free(out);
}

/* ---- the deck ---- */

START_TEST(deck_numbers) {
  build_deck();
  char *html = slurp(SL "/index.html"), *values = slurp(SL "/gen/values.txt");
  ck_assert_msg(html && values, "no deck or no values file");
  ck_assert_msg(strstr(html, "{{") == NULL, "a placeholder was left in the deck");

  /* the deck's build is the values file's */
  char *build = attr(strstr(html, "name=\"vkit-build\""), "content"), *id = value_of(values, "build.id");
  ck_assert_msg(build && id && strcmp(build, id) == 0, "the deck's build %s is not the values file's %s", build, id);

  /* every number shown is a value of this build, as written there */
  int n = 0;
  for (const char *p = strstr(html, "<span class=\"v\""); p; p = strstr(p + 1, "<span class=\"v\"")) {
    char *key = attr(p, "data-key"), *raw = attr(p, "data-raw"), *v = value_of(values, key);
    ck_assert_msg(v != NULL, "deck: %s is not in the values file", key);
    ck_assert_msg(strcmp(v, raw) == 0, "deck: %s shows %s, the values file says %s", key, raw, v);
    free(key), free(raw), free(v);
    n++;
  }
  char *count = attr(strstr(html, "name=\"vkit-values\""), "content");
  ck_assert_msg(count && atoi(count) == n && n > 100, "deck: %d values found, the deck says %s", n, count);

  /* measured after the programs and images were built, rendered after that */
  static const char *const inputs[] = {"bin/vmm", "bin/vdb", "build/bench/bench", "build/guests/guestos.img"};
  for (int i = 0; i < 4; i++)
    ck_assert_msg(mtime(SL "/gen/values.txt") >= mtime(inputs[i]), "values.txt is older than %s", inputs[i]);
  ck_assert_msg(mtime(SL "/index.html") >= mtime(SL "/gen/values.txt"), "the deck is older than its values");

  /* the kit's runs are there: a trace, a translation, the bench */
  static const char *const keys[] = {"timeline.exits", "tc.popf.words", "lockstep.real.tick",
                                     "run.trap.guestos.vmm.world_switches", "bench.guests.guestos.hw-nested.cycles",
                                     "bench.guests_early_vtx.bench-forkwait.bt-inline.cycles_ratio"};
  for (int i = 0; i < 6; i++) {
    char *v = value_of(values, keys[i]);
    ck_assert_msg(v && isdigit((unsigned char)v[0]), "values: %s missing or not a number", keys[i]);
    free(v);
  }
  free(html), free(values), free(build), free(id), free(count);
}
END_TEST

START_TEST(deck_pictures) {
  build_deck();
  char *src = slurp("slides/deck.md"), *html = slurp(SL "/index.html");
  ck_assert(src && html);
  int pictures = 0, includes = 0;
  for (const char *p = strstr(src, "]("); p; p = strstr(p + 1, "](")) {
    const char *e = strchr(p, ')');
    if (!e || e - p < 6 || strncmp(e - 4, ".svg", 4) != 0) continue;
    char name[256], path[512], mark[300];
    snprintf(name, sizeof name, "%.*s", (int)(e - p - 2), p + 2);
    snprintf(path, sizeof path, SL "/svg/%s", name);
    char *svg = slurp(path);
    ck_assert_msg(svg && strstr(svg, "<svg"), "picture %s: %s is missing or not an SVG", name, path);
    snprintf(mark, sizeof mark, "data-svg=\"%s\"", name);
    ck_assert_msg(strstr(html, mark), "picture %s is not in the deck", name);
    free(svg);
    pictures++;
  }
  for (const char *p = strstr(src, "\n@include "); p; p = strstr(p + 1, "\n@include ")) {
    char name[256], path[512], mark[300];
    sscanf(p + 10, "%255s", name);
    snprintf(path, sizeof path, SL "/gen/txt/%s", name);
    ck_assert_msg(mtime(path) > 0, "@include %s: %s was not generated", name, path);
    snprintf(mark, sizeof mark, "data-include=\"%s\"", name);
    ck_assert_msg(strstr(html, mark), "@include %s is not in the deck", name);
    includes++;
  }
  ck_assert_msg(pictures >= 10 && includes >= 5, "only %d pictures and %d includes", pictures, includes);
  /* the generated ones come from the kit's runs */
  static const char *const made[] = {"timeline", "tc-popf", "trap-shadow", "hw-npt"};
  for (int i = 0; i < 4; i++) {
    char path[256];
    snprintf(path, sizeof path, SL "/gen/dot/%s.dot", made[i]);
    ck_assert_msg(mtime(path) >= mtime("bin/vmm"), "%s is missing or older than bin/vmm", path);
  }
  free(src), free(html);
}
END_TEST

/* The deck tool refuses a placeholder with no value. */
START_TEST(deck_missing_value) {
  build_deck();
  char *out;
  int st = sh("d=$(mktemp -d) && printf '## t\\n\\n{{no.such.key}} {{build.id}}\\n' > $d/deck.md && "
              "cp slides/deck.css slides/deck.js $d/ && " SL "/deck $d/deck.md " SL "/gen/values.txt " SL
              "/svg " SL "/gen/txt $d/out.html; s=$?; test ! -e $d/out.html || s=99; rm -rf $d; exit $s",
              &out);
  ck_assert_msg(st == 1, "deck with a missing value: status %d\n%s", st, out);
  ck_assert_msg(strstr(out, "no value for {{no.such.key}}"), "no message for the missing value:\n%s", out);
  free(out);
}
END_TEST

/* ---- man pages ---- */

static const char *const programs[] = {"vasm", "vdis", "vmm", "vdb", "vgen"};
#define NPROGRAMS (int)(sizeof programs / sizeof programs[0])

START_TEST(man_renders) {
  char cmd[512], *out;
  snprintf(cmd, sizeof cmd, "groff -man -ww -z docs/man/%s.1", programs[_i]);
  int st = sh(cmd, &out);
  ck_assert_msg(st == 0 && out[0] == 0, "%s: groff says (%d):\n%s", cmd, st, out);
  free(out);
  snprintf(cmd, sizeof cmd, "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l docs/man/%s.1 2>&1 >/dev/null",
           programs[_i]);
  st = sh(cmd, &out);
  ck_assert_msg(st == 0 && out[0] == 0, "%s: man says (%d):\n%s", cmd, st, out);
  free(out);
  snprintf(cmd, sizeof cmd, "MANWIDTH=80 man -l docs/man/%s.1", programs[_i]);
  st = sh(cmd, &out);
  ck_assert_msg(st == 0 && strstr(out, "SYNOPSIS") && strstr(out, "EXIT STATUS"), "%s:\n%s", cmd, out);
  free(out);
}
END_TEST

/* opt in text as a word of its own: not inside a longer option. */
static bool has_option(const char *text, const char *opt) {
  size_t n = strlen(opt);
  for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt))
    if ((p == text || p[-1] != '-') && !isalnum((unsigned char)p[n]) && p[n] != '-') return true;
  return false;
}

/* Every option in the program's usage text appears in its page. */
START_TEST(man_options) {
  char cmd[256], path[64], *usage;
  snprintf(cmd, sizeof cmd, "bin/%s --help", programs[_i]);
  sh(cmd, &usage);
  snprintf(path, sizeof path, "docs/man/%s.1", programs[_i]);
  char *page = slurp(path);
  ck_assert_msg(page != NULL, "no %s", path);
  char *w = page; /* the page's text with roff's \- as - */
  for (char *r = page; *r; r++) {
    if (r[0] == '\\' && r[1] == '-') continue;
    *w++ = *r;
  }
  *w = 0;
  int n = 0;
  for (char *p = usage; *p; p++) {
    if (*p != '-' || (p > usage && !strchr(" \t[(|,", p[-1]))) continue;
    char opt[64];
    int k = 0;
    while ((isalnum((unsigned char)p[k]) || p[k] == '-') && k < 63) opt[k] = p[k], k++;
    opt[k] = 0;
    p += k ? k - 1 : 0;
    if (!isalpha((unsigned char)opt[strspn(opt, "-")])) continue;
    ck_assert_msg(has_option(page, opt), "%s: option %s of the usage text is not in the page", path, opt);
    n++;
  }
  ck_assert_msg(n >= 1, "%s: no options found in the usage text:\n%s", programs[_i], usage);
  free(usage), free(page);
}
END_TEST

/* ---- make install ---- */

START_TEST(install_uninstall) {
  char dir[] = "/tmp/vkit-install-XXXXXX", args[256], path[512], *out;
  ck_assert(mkdtemp(dir) != NULL);
  snprintf(args, sizeof args, "install PREFIX=%s", dir);
  int st = make(args, &out);
  ck_assert_msg(st == 0, "make %s failed (%d):\n%s", args, st, out);
  free(out);
  for (int i = 0; i < NPROGRAMS; i++) {
    snprintf(path, sizeof path, "%s/bin/%s", dir, programs[i]);
    ck_assert_msg(access(path, X_OK) == 0, "%s was not installed", path);
    snprintf(path, sizeof path, "%s/share/man/man1/%s.1", dir, programs[i]);
    ck_assert_msg(access(path, R_OK) == 0, "%s was not installed", path);
  }
  /* the guest images, where the man pages say, and the installed vmm runs one */
  static const char *const guests[] = {"guestos.img", "guestos-nospecial.img", "bench-syscall.img"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/share/vkit/guests/%s", dir, guests[i]);
    ck_assert_msg(access(path, R_OK) == 0, "%s was not installed", path);
  }
  snprintf(args, sizeof args, "%s/bin/vmm --mode bt %s/share/vkit/guests/guestos.img < /dev/null", dir, dir);
  st = sh(args, &out);
  ck_assert_msg(st == 0 && strstr(out, "init exited with status 0"), "%s:\n%s", args, out);
  free(out);
  st = sh("grep -l 'share/vkit/guests' docs/man/vmm.1 docs/man/vdb.1 | wc -l", &out);
  ck_assert_msg(atoi(out) == 2, "vmm.1 and vdb.1 should name PREFIX/share/vkit/guests: %s", out);
  free(out);
  snprintf(args, sizeof args, "MANPATH=%s/share/man MANWIDTH=80 man vdb", dir);
  st = sh(args, &out);
  ck_assert_msg(st == 0 && strstr(out, "vdb"), "man vdb from the installed pages:\n%s", out);
  free(out);
  snprintf(args, sizeof args, "uninstall PREFIX=%s", dir);
  st = make(args, &out);
  ck_assert_msg(st == 0, "make %s failed (%d):\n%s", args, st, out);
  free(out);
  snprintf(args, sizeof args, "find %s -type f | wc -l", dir);
  st = sh(args, &out);
  ck_assert_msg(atoi(out) == 0, "make uninstall left %s files in %s", out, dir);
  free(out);
  snprintf(args, sizeof args, "rm -rf %s", dir);
  sh(args, NULL);
}
END_TEST

/* ---- the pages ---- */

START_TEST(pages_agree_with_the_code) {
  build_deck(); /* the values the figures are compared with */
  char *out;
  int st = make("docs-check", &out);
  ck_assert_msg(st == 0, "the documents disagree with the code (make docs-check, %d):\n%s", st, out);
  free(out);
}
END_TEST

/* Write a page into build/doccheck-test.md and check it; the status, and
 * what the checker said in *out. */
static int check_page(const char *page, const char *values, char **out) {
  FILE *f = fopen("build/doccheck-test.md", "w");
  ck_assert_ptr_nonnull(f);
  fputs(page, f);
  fclose(f);
  f = fopen("build/doccheck-test.values", "w");
  ck_assert_ptr_nonnull(f);
  fputs(values, f);
  fclose(f);
  return sh("build/docs/doccheck --values build/doccheck-test.values build/doccheck-test.md", out);
}

START_TEST(doccheck_catches_staleness) {
  char *out;
  ck_assert_int_eq(make("build/docs/doccheck", NULL), 0);
  const char *good = "```run\n$ printf 'a\\nb\\nc\\n'\na\n...\nc\n```\n"
                     "Cycles: 1,234<!--{x.cycles|,}--> and 0.50<!--{x.ratio|.2}-->.\n"
                     "```\n$ make\n```\n";
  const char *values = "x.cycles = 1234\nx.ratio = 0.5\n";
  ck_assert_msg(check_page(good, values, &out) == 0, "a good page fails:\n%s", out);
  free(out);
  /* a figure the code no longer gives */
  ck_assert_int_eq(check_page(good, "x.cycles = 1235\nx.ratio = 0.5\n", &out), 1);
  ck_assert_msg(strstr(out, "1,234 is stale: x.cycles is 1,235 now"), "%s", out);
  free(out);
  /* an output the command no longer prints */
  ck_assert_int_eq(check_page("```run\n$ echo 2\n1\n```\n", values, &out), 1);
  ck_assert_msg(strstr(out, "the output differs"), "%s", out);
  free(out);
  /* an elision must be said: without `...`, a missing line is a difference */
  ck_assert_int_eq(check_page("```run\n$ printf 'a\\nb\\n'\na\n```\n", values, &out), 1);
  free(out);
  /* output shown in a fence that is not run */
  ck_assert_int_eq(check_page("```\n$ bin/vmm --classify\nverdict: fine\n```\n", values, &out), 1);
  ck_assert_msg(strstr(out, "not checked"), "%s", out);
  free(out);
  /* a figure with no value */
  ck_assert_int_eq(check_page("1<!--{no.such.key}-->\n", values, &out), 1);
  free(out);
  /* a command that crashes fails whatever it printed */
  ck_assert_int_eq(check_page("```run\n$ kill -SEGV $$\n...\n```\n", values, &out), 1);
  free(out);
  unlink("build/doccheck-test.md");
  unlink("build/doccheck-test.values");
}
END_TEST

/* The 2006 machine had no nested paging: every command the documents show
 * with the early-vtx profile and hardware assist must use shadow paging
 * (--mode hw-shadow or --paging shadow), or it shows hardware assist
 * beating binary translation on forkwait, the opposite of the lesson. */
START_TEST(early_hardware_is_shadow) {
  static const char *const pages[] = {"README.md",        "docs/vmcs.md",        "docs/compare.md",
                                      "docs/instructor.md", "docs/getting-started.md", "docs/vmm.md",
                                      "docs/man/vmm.1",   "slides/deck.md",      "labs/lab5/README.md"};
  for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
    char *text = slurp(pages[i]);
    ck_assert_msg(text != NULL, "cannot read %s", pages[i]);
    size_t lineno = 1;
    for (char *line = text; *line; lineno++) {
      char *end = strchr(line, '\n');
      if (end) *end = 0;
      /* (the man page escapes its dashes) */
      bool early = strstr(line, "--cost early-vtx") || strstr(line, "\\-\\-cost early\\-vtx");
      char *hw = strstr(line, "--mode hw");
      if (!hw) hw = strstr(line, "\\-\\-mode hw");
      if (early && hw) {
        bool shadow = strstr(line, "hw-shadow") || strstr(line, "hw\\-shadow") || strstr(line, "--paging shadow") ||
                      strstr(line, "\\-\\-paging shadow");
        ck_assert_msg(shadow, "%s:%zu: early-vtx with nested paging (early parts had none): %s", pages[i], lineno,
                      line);
      }
      if (!end) break;
      line = end + 1;
    }
    free(text);
  }
}
END_TEST

Suite *docs_suite(void) {
  Suite *s = suite_create("docs");
  TCase *tc = tcase_create("deck");
  tcase_set_timeout(tc, 300); /* the first build of the deck runs the bench */
  tcase_add_test(tc, deck_numbers);
  tcase_add_test(tc, deck_pictures);
  tcase_add_test(tc, deck_missing_value);
  suite_add_tcase(s, tc);
  tc = tcase_create("pages");
  tcase_set_timeout(tc, 300); /* the deck's values first: the bench, if not built yet */
  tcase_add_test(tc, pages_agree_with_the_code);
  tcase_add_test(tc, doccheck_catches_staleness);
  tcase_add_test(tc, early_hardware_is_shadow);
  suite_add_tcase(s, tc);
  tc = tcase_create("man");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, man_renders, 0, NPROGRAMS);
  tcase_add_loop_test(tc, man_options, 0, NPROGRAMS);
  suite_add_tcase(s, tc);
  tc = tcase_create("install");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, install_uninstall);
  suite_add_tcase(s, tc);
  return s;
}
