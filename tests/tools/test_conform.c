/* test_conform.c: every installed program behaves like a well-kept Unix
 * tool, the same way (cli/cli.h).  One table, one row a program; each case
 * runs every row:
 *
 *   help            --help: the usage on standard output, status 0
 *   version         --version: "NAME (vkit) VERSION", status 0
 *   unknown_option  one line, "NAME: unknown option '--no-such-option'
 *                   (try 'NAME --help')", status 64
 *   missing_arg     "NAME: option '--mode' needs an argument (...)", 64
 *   missing_file, directory, unreadable, empty_file
 *                   one line naming the file and why; 66 (65 when empty);
 *                   vgen reads no file: the same cases on its output, 73
 *   fifo            a FIFO nobody writes: read as empty, never waited on
 *   output_is_input an output naming an input: refused (64), the input
 *                   untouched
 *   statuses        each page's EXIT STATUS table is cli/status.h's rows
 *                   for that program, word for word, and so is
 *                   docs/exit-status.md
 *
 * Every status any case sees must be one the program's man page lists, and
 * every file a case gave as input must be byte for byte what it was.
 * Further cases: guest halt codes and the monitor's own statuses (vmm),
 * outputs replaced only once complete, nothing removed that the program did
 * not create (vasm's error path once removed a FIFO, a directory and a
 * device node it was given as its output), standard output that cannot be
 * written (74), and that bin/ holds no program without a row here.
 *
 * The programs run as subprocesses, the optimized build in bin/ (as they
 * are installed).  As root, "unreadable" runs the program as nobody, since
 * root reads any file. */
#include "conform.h"

/* ---- the programs ---- */

enum input { IN_SOURCE, IN_IMAGE, IN_NONE };

typedef struct tool {
  const char *name;
  const char *needs_arg; /* an option that takes an argument; NULL: none has one */
  const char *pre[4];    /* options before the input, so that a run ends */
  enum input input;
} tool;

static const tool tools[] = {
    {"vasm", "-o", {NULL}, IN_SOURCE},
    {"vdis", NULL, {NULL}, IN_IMAGE},
    {"vmm", "--mode", {"--max-steps", "100000", NULL}, IN_IMAGE},
    {"vdb", "-ex", {"--batch", NULL}, IN_IMAGE},
    {"vgen", "--length", {NULL}, IN_NONE},
};
#define NTOOLS ((int)(sizeof tools / sizeof tools[0]))

/* The arguments of tool t for input `file` (a name in the scratch dir):
 * its pre options, then the file; vgen's file is its -o output. */
static inline int tool_argv(const tool *t, const char *file, const char **argv, char *prog) {
  int n = 0;
  sprintf(prog, "bin/%s", t->name);
  argv[n++] = prog;
  for (int i = 0; t->pre[i]; i++) argv[n++] = t->pre[i];
  if (t->input == IN_NONE) {
    argv[n++] = "-o";
    argv[n++] = at(file);
    argv[n++] = "1";
  } else {
    argv[n++] = at(file);
  }
  argv[n] = NULL;
  return n;
}

/* Run tool _i on one scratch file; the status and the one line expected;
 * and no file of the scratch directory may change. */
static void file_case(int i, const char *file_s, const char *file_img, bool nobody, int status, const char *why) {
  const tool *t = &tools[i];
  const char *file = t->input == IN_SOURCE ? file_s : file_img;
  scratch();
  char before[8192], after[8192], prog[64], want[600];
  fingerprint(before, sizeof before);
  const char *argv[16];
  tool_argv(t, file, argv, prog);
  run r;
  run_how how = {.nobody = nobody};
  run_argv(&r, argv, &how);
  int st = t->input == IN_NONE ? CLI_EX_CANTCREAT : status;
  expect_status(&r, t->name, st);
  if (t->input == IN_SOURCE && st == CLI_EX_DATAERR)
    snprintf(want, sizeof want, "%s: %s\n", at(file), why);
  else
    snprintf(want, sizeof want, "%s: %s: %s\n", t->name, at(file), why);
  ck_assert_msg(strcmp(r.err, want) == 0, "%s: stderr should be exactly\n%sbut is\n%s", t->name, want, r.err);
  ck_assert_msg(r.out[0] == 0, "%s: something on standard output: %s", t->name, r.out);
  fingerprint(after, sizeof after);
  ck_assert_msg(strcmp(before, after) == 0, "%s changed the scratch files:\n%s---\n%s", t->name, before, after);
  cleanup();
}

/* ---- the cases, for every program ---- */

START_TEST(help) {
  const tool *t = &tools[_i];
  run r;
  runt(&r, t->name, "--help", NULL);
  expect_status(&r, t->name, 0);
  char start[64];
  snprintf(start, sizeof start, "usage: %s ", t->name);
  ck_assert_msg(strncmp(r.out, start, strlen(start)) == 0, "%s --help: %s", t->name, r.out);
  ck_assert_msg(strstr(r.out, "--help") && strstr(r.out, "--version"), "%s --help lists neither: %s", t->name, r.out);
  ck_assert_msg(r.err[0] == 0, "%s --help wrote on stderr: %s", t->name, r.err);
}
END_TEST

START_TEST(version) {
  const tool *t = &tools[_i];
  run r;
  runt(&r, t->name, "--version", NULL);
  expect_status(&r, t->name, 0);
  char want[128];
  snprintf(want, sizeof want, "%s (%s) %s\n", t->name, CLI_PACKAGE, CLI_VERSION);
  ck_assert_str_eq(r.out, want);
  ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(unknown_option) {
  const tool *t = &tools[_i];
  run r;
  char want[256];
  runt(&r, t->name, "--no-such-option", "x", NULL);
  expect_status(&r, t->name, CLI_EX_USAGE);
  snprintf(want, sizeof want, "%s: unknown option '--no-such-option' (try '%s --help')\n", t->name, t->name);
  ck_assert_str_eq(r.err, want);
  ck_assert_str_eq(r.out, "");
  runt(&r, t->name, "--help=yes", NULL); /* a long option given what it takes none of */
  expect_status(&r, t->name, CLI_EX_USAGE);
  snprintf(want, sizeof want, "%s: option '--help' takes no argument (try '%s --help')\n", t->name, t->name);
  ck_assert_str_eq(r.err, want);
}
END_TEST

START_TEST(missing_arg) {
  const tool *t = &tools[_i];
  if (!t->needs_arg) return; /* (vdis: no option takes an argument) */
  run r;
  char want[256];
  runt(&r, t->name, t->needs_arg, NULL);
  expect_status(&r, t->name, CLI_EX_USAGE);
  snprintf(want, sizeof want, "%s: option '%s' needs an argument (try '%s --help')\n", t->name, t->needs_arg, t->name);
  ck_assert_str_eq(r.err, want);
  ck_assert_str_eq(r.out, "");
}
END_TEST

START_TEST(missing_file) {
  /* vgen: an output in a directory that does not exist */
  const char *img = tools[_i].input == IN_NONE ? "nodir/x.s" : "nope.img";
  file_case(_i, "nope.s", img, false, CLI_EX_NOINPUT, "No such file or directory");
}
END_TEST

START_TEST(directory) { file_case(_i, "sub", "sub", false, CLI_EX_NOINPUT, "Is a directory"); }
END_TEST

START_TEST(unreadable) {
  /* vgen: a file nobody may write, as its output */
  file_case(_i, "locked", "locked", true, CLI_EX_NOINPUT, "Permission denied");
}
END_TEST

START_TEST(empty_file) {
  const tool *t = &tools[_i];
  if (t->input == IN_NONE) return; /* (vgen reads no file) */
  file_case(_i, "empty.s", "empty.img", false, CLI_EX_DATAERR,
            t->input == IN_SOURCE ? "error: no code or data: the image would be empty"
                                  : "too short for an ELF header (0 bytes)");
}
END_TEST

/* A FIFO with no writer: opening it must not wait for one.  It reads as
 * empty.  (The case's time limit is the test: before, vmm hung here.) */
START_TEST(fifo) {
  const tool *t = &tools[_i];
  if (t->input == IN_NONE) return;
  file_case(_i, "fifo", "fifo", false, CLI_EX_DATAERR,
            t->input == IN_SOURCE ? "error: no code or data: the image would be empty"
                                  : "too short for an ELF header (0 bytes)");
}
END_TEST

/* ---- an output naming an input ---- */

/* Run in the scratch directory, with the files of the case named as a user
 * would name them. */
typedef struct clash {
  int tool;
  const char *args[12];
  int status;
  const char *err; /* in stderr */
} clash;

static const clash clashes[] = {
    {0, {"ok.s", "-o", "ok.s"}, 64, "vasm: ok.s: an input cannot be an output too"},
    {0, {"ok.s", "-l", "ok.s"}, 64, "vasm: ok.s: an input cannot be an output too"},
    {0, {"ok.s", "-o", "./ok.s"}, 64, "vasm: ./ok.s: an output cannot be the input ok.s"},
    {0, {"ok.s", "-o", "x.img", "-l", "x.img"}, 64, "vasm: x.img: the same file cannot be two outputs"},
    {0, {"main.s", "-o", "inc.s"}, 64, "vasm: inc.s: an input cannot be an output too"},
    {0, {"main.s", "-l", "link.s"}, 64, "vasm: link.s: an output cannot be the input"},
    {0, {"src.img"}, 64, "vasm: src.img: the default output, src.img, would replace the input: give -o"},
    {0, {"ok.img", "-o", "y.img"}, 65, "vasm: ok.img: an image, not assembly source"},
    {2, {"--stats-json", "ok.img", "ok.img"}, 64, "vmm: ok.img: an input cannot be an output too"},
    {2, {"--mode", "bt", "--dump-tc", "ok.img", "ok.img"}, 64, "vmm: ok.img: an input cannot be an output too"},
    {2, {"--cost", "costs", "--stats-json", "costs", "ok.img"}, 64, "vmm: costs: an input cannot be an output too"},
    {2, {"--mode", "trap", "--config", "guests.cfg"}, 64, "vmm: ./ok.img: an output cannot be the input ok.img"},
    {2, {"--mode", "trap", "--stats-json", "two.cfg", "--config", "two.cfg"}, 64,
     "vmm: two.cfg: an input cannot be an output too"},
    {3, {"--batch", "-ex", "dot pt ok.img", "ok.img"}, 1, "ok.img: the image of vm 1, not an output."},
};

START_TEST(output_is_input) {
  const clash *c = &clashes[_i];
  const tool *t = &tools[c->tool];
  scratch();
  put("main.s", ".include \"inc.s\"\n", 17);
  put("inc.s", ok_src, strlen(ok_src));
  ck_assert(link(at("inc.s"), at("link.s")) == 0); /* the include by another name */
  put("src.img", ok_src, strlen(ok_src));
  put("costs", "insn = 1\n", 9);
  const char *cfg = "A ok.img console=./ok.img\nB ok.img\n";
  put("guests.cfg", cfg, strlen(cfg));
  put("two.cfg", "A ok.img\nB ok.img\n", 18);
  char before[8192], after[8192], prog[64];
  const char *argv[16];
  snprintf(prog, sizeof prog, "bin/%s", t->name);
  argv[0] = prog;
  int k = 1;
  for (int i = 0; c->args[i]; i++) argv[k++] = c->args[i];
  argv[k] = NULL;
  fingerprint(before, sizeof before);
  run r;
  run_how how = {.cwd = dir};
  run_argv(&r, argv, &how);
  expect_status(&r, t->name, c->status);
  ck_assert_msg(strstr(r.err, c->err), "case %d: \"%s\" not in %s", _i, c->err, r.err);
  fingerprint(after, sizeof after);
  ck_assert_msg(strcmp(before, after) == 0, "case %d changed the files:\n%s---\n%s", _i, before, after);
  cleanup();
}
END_TEST

/* ---- the exit status tables ---- */

typedef struct row {
  int first, last;
  const char *programs, *meaning;
} row;

static const row rows[] = {
#define ROW(name, first, last, programs, meaning) {first, last, programs, meaning},
    CLI_STATUSES(ROW)
#undef ROW
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static bool gives(const row *w, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(w->programs, name); p; p = strstr(p + 1, name))
    if ((p == w->programs || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return true;
  return false;
}

/* The page's table: the rows of cli/status.h that the program gives, in
 * order, word for word. */
START_TEST(page_table) {
  const tool *t = &tools[_i];
  entry e[32];
  int n = page_statuses(t->name, e, 32), k = 0;
  for (int i = 0; i < NROWS; i++) {
    if (!gives(&rows[i], t->name)) continue;
    ck_assert_msg(k < n, "docs/man/%s.1: no entry for status %d", t->name, rows[i].first);
    ck_assert_msg(e[k].first == rows[i].first && e[k].last == rows[i].last,
                  "docs/man/%s.1: entry %d is %d-%d, cli/status.h says %d-%d", t->name, k, e[k].first, e[k].last,
                  rows[i].first, rows[i].last);
    char want[600];
    snprintf(want, sizeof want, "%s.", rows[i].meaning);
    ck_assert_msg(strcmp(e[k].text, want) == 0, "docs/man/%s.1, status %d:\n  page: %s\n  want: %s", t->name,
                  rows[i].first, e[k].text, want);
    k++;
  }
  ck_assert_msg(k == n, "docs/man/%s.1 lists %d statuses, cli/status.h gives it %d", t->name, n, k);
}
END_TEST

/* docs/exit-status.md: "| FIRST[-LAST] | MEANING | PROGRAMS |", a row each. */
START_TEST(doc_table) {
  char *doc = slurp("docs/exit-status.md");
  ck_assert_msg(doc, "no docs/exit-status.md");
  for (int i = 0; i < NROWS; i++) {
    char want[800], status[16], progs[64];
    if (rows[i].first == rows[i].last)
      snprintf(status, sizeof status, "%d", rows[i].first);
    else
      snprintf(status, sizeof status, "%d-%d", rows[i].first, rows[i].last);
    snprintf(progs, sizeof progs, "%s", rows[i].programs);
    snprintf(want, sizeof want, "\n| %s | %s | %s |\n", status, rows[i].meaning, progs);
    ck_assert_msg(strstr(doc, want), "docs/exit-status.md lacks the row%s", want);
  }
  int nrows = 0; /* and no other row */
  for (char *p = strstr(doc, "\n| "); p; p = strstr(p + 1, "\n| ")) nrows += p[3] >= '0' && p[3] <= '9';
  ck_assert_int_eq(nrows, NROWS);
  free(doc);
}
END_TEST

/* Every program in bin/ has a row in the table above and a man page: a
 * new program cannot skip the conventions. */
START_TEST(every_program) {
  DIR *d = opendir("bin");
  ck_assert_msg(d, "no bin/ (run make first)");
  int seen = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    bool known = false;
    for (int i = 0; i < NTOOLS; i++) known |= strcmp(tools[i].name, e->d_name) == 0;
    ck_assert_msg(known, "bin/%s has no row in tests/tools/test_conform.c", e->d_name);
    char page[300];
    snprintf(page, sizeof page, "docs/man/%s.1", e->d_name);
    ck_assert_msg(access(page, R_OK) == 0, "bin/%s has no man page %s", e->d_name, page);
    seen++;
  }
  closedir(d);
  ck_assert_int_eq(seen, NTOOLS);
}
END_TEST

Suite *conform_suite(void) {
  Suite *s = suite_create("conform");
  TCase *tc = tcase_create("every_program");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, help, 0, NTOOLS);
  tcase_add_loop_test(tc, version, 0, NTOOLS);
  tcase_add_loop_test(tc, unknown_option, 0, NTOOLS);
  tcase_add_loop_test(tc, missing_arg, 0, NTOOLS);
  tcase_add_loop_test(tc, missing_file, 0, NTOOLS);
  tcase_add_loop_test(tc, directory, 0, NTOOLS);
  tcase_add_loop_test(tc, unreadable, 0, NTOOLS);
  tcase_add_loop_test(tc, empty_file, 0, NTOOLS);
  tcase_add_loop_test(tc, fifo, 0, NTOOLS);
  tcase_add_loop_test(tc, page_table, 0, NTOOLS);
  tcase_add_loop_test(tc, output_is_input, 0, (int)(sizeof clashes / sizeof clashes[0]));
  tcase_add_test(tc, doc_table);
  tcase_add_test(tc, every_program);
  suite_add_tcase(s, tc);
  return s;
}
