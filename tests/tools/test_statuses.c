/* test_statuses.c: the exit statuses each program documents, and how the
 * programs treat files (cli/cli.h, cli/status.h):
 *
 *   halt_codes       a guest's halt code is vmm's status for 0 to 63 and
 *                    79 above (before, a guest halting with 70 read as
 *                    "wrecked its machine", with 256 as success), alone,
 *                    in lockstep and beside another guest
 *   monitor          vmm's own: 70 wrecked, 75 --max-steps
 *   vdb_quit         quit N for N up to 63; 1 for a failed command
 *   stdout_full      standard output that cannot be written: 74
 *   replaced_whole   an output is a new file renamed over the old one: a
 *                    hard link to the old one keeps the old bytes, a
 *                    symbolic link keeps pointing at the output, the mode
 *                    stays
 *   never_removed    vasm's error path removed its output whatever it was
 *                    (a FIFO, an empty directory, a device node): now it
 *                    removes nothing it did not create
 *   history_file     vdb appends to and truncates its history file, so
 *                    VDB_HISTORY naming a directory or a FIFO means none
 *
 * Every status seen is also checked against the program's man page. */
#include <sys/sysmacros.h>

#include "conform.h"
#include "vdb/vdb.h"

/* An image that halts with `code`; its path. */
static const char *halting(const char *name, uint32_t code) {
  char src[128];
  snprintf(src, sizeof src, "        .org 0x1000\n_start: li r1, %u\n        halt r1\n", code);
  put_image(name, src);
  return at(name);
}

static const char *const modes[] = {"native", "trap", "bt", "hw"};

START_TEST(halt_codes) {
  static const uint32_t codes[] = {0, 3, 63, 64, 70, 79, 255, 256, 0x12345};
  scratch();
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *img = halting("h.img", codes[i]);
    int want = codes[i] <= 63 ? (int)codes[i] : 79;
    char line[512] = "";
    if (want == 79)
      snprintf(line, sizeof line,
               "vmm: %s: halted with code %u (exit status 79: codes above 63 would read as vmm's own)\n", img,
               codes[i]);
    run r;
    runt(&r, "vmm", "--mode", modes[_i], img, NULL);
    expect_status(&r, "vmm", want);
    ck_assert_str_eq(r.err, line);
    if (_i == 0) continue;
    runt(&r, "vmm", "--lockstep", modes[_i], img, NULL);
    expect_status(&r, "vmm", want);
    /* beside a guest that halts with 0: the first status that is not 0 */
    runt(&r, "vmm", "--mode", modes[_i], at("ok.img"), img, NULL);
    expect_status(&r, "vmm", want);
    snprintf(line, sizeof line, "vmm: h: halted with code %u\n", codes[i]);
    ck_assert_str_eq(r.err, codes[i] ? line : "");
  }
  cleanup();
}
END_TEST

/* The monitor's own statuses, with the one line and the register dump the
 * page promises. */
START_TEST(monitor) {
  scratch();
  put_image("wreck.img", "        .org 0x1000\n_start: .word 0\n");
  put_image("spin.img", "        .org 0x1000\n_start: b _start\n");
  run r;
  runt(&r, "vmm", at("wreck.img"), NULL);
  expect_status(&r, "vmm", 70);
  ck_assert_msg(strstr(r.err, ": unhandled trap illegal") && strstr(r.err, "\npc  "), "%s", r.err);
  runt(&r, "vmm", "--max-steps", "1000", at("spin.img"), NULL);
  expect_status(&r, "vmm", 75);
  ck_assert_msg(strstr(r.err, ": step budget exhausted after 1000 instructions") && strstr(r.err, "\npc  "), "%s",
                r.err);
  cleanup();
}
END_TEST

START_TEST(vdb_quit) {
  scratch();
  run r;
  runt(&r, "vdb", "--batch", "-ex", "quit 63", at("ok.img"), NULL);
  expect_status(&r, "vdb", 63);
  runt(&r, "vdb", "--batch", "-ex", "quit 64", at("ok.img"), NULL);
  expect_status(&r, "vdb", 1); /* refused: a failed command */
  ck_assert_msg(strstr(r.err, "The exit code must be 0 to 63."), "%s", r.err);
  runt(&r, "vdb", "--batch", "-ex", "no-such-command", at("ok.img"), NULL);
  expect_status(&r, "vdb", 1);
  cleanup();
}
END_TEST

/* Standard output is /dev/full: each program says so and exits 74. */
START_TEST(stdout_full) {
  scratch();
  put_image("hello.img", "        .org 0x1000\n_start: li r1, 'h'\n        out 0x00, r1\n        halt zero\n");
  static const struct {
    const char *tool, *args[6];
  } cases[] = {
      {"vasm", {"--isa-doc"}},   {"vasm", {"-d", "@hello.img"}},
      {"vdis", {"@hello.img"}},  {"vmm", {"@hello.img"}},
      {"vmm", {"--stats-json", "-", "@ok.img"}},
      {"vdb", {"--batch", "-ex", "info registers", "@ok.img"}},
      {"vgen", {"1"}},           {"vgen", {"--help"}},
      {"vmm", {"--version"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *argv[12];
    char words[12][320];
    tool_args(cases[i].tool, cases[i].args, words, argv);
    run r;
    run_how how = {.out_path = "/dev/full"};
    run_argv(&r, argv, &how);
    expect_status(&r, cases[i].tool, 74);
    char want[128];
    snprintf(want, sizeof want, "%s: standard output: ", cases[i].tool);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0 && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                  "case %zu: stderr %s", i, r.err);
  }
  cleanup();
}
END_TEST

static char *contents(const char *path) {
  char *s = slurp(path);
  ck_assert_msg(s, "cannot read %s", path);
  return s;
}

/* Each program's output: OLD bytes in out and in a hard link to it, out
 * mode 0600; after a run, out holds the new result with mode 0600, and the
 * link still the old bytes (a program that truncated out and wrote into
 * it would have changed both). */
START_TEST(replaced_whole) {
  static const struct {
    const char *tool, *args[8]; /* "@out" is the output */
  } cases[] = {
      {"vasm", {"@ok.s", "-o", "@out"}},
      {"vasm", {"@ok.s", "-o", "@x.img", "-l", "@out"}},
      {"vgen", {"-o", "@out", "7"}},
      {"vmm", {"--stats-json", "@out", "@ok.img"}},
      {"vmm", {"--mode", "bt", "--dump-tc", "@out", "@ok.img"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    scratch();
    put("out", "OLD", 3);
    ck_assert(chmod(at("out"), 0600) == 0);
    ck_assert(link(at("out"), at("link")) == 0);
    ck_assert(symlink("out", at("sym")) == 0);
    const char *argv[12];
    char words[12][320];
    int n = tool_args(cases[i].tool, cases[i].args, words, argv);
    run r;
    run_argv(&r, argv, NULL);
    expect_status(&r, cases[i].tool, 0);
    char *old = contents(at("link")), *now = contents(at("out"));
    ck_assert_msg(strcmp(old, "OLD") == 0, "case %zu: the old file was written into: %.60s", i, old);
    ck_assert_msg(strcmp(now, "OLD") != 0 && now[0], "case %zu: no new output", i);
    struct stat st;
    ck_assert(stat(at("out"), &st) == 0);
    ck_assert_msg((st.st_mode & 0777) == 0600, "case %zu: mode %o", i, st.st_mode & 0777);
    free(old), free(now);
    /* through the symbolic link: the link stays, its target is replaced */
    put("out", "OLD", 3);
    for (int k = 1; k < n; k++)
      if (strcmp(argv[k], at("out")) == 0) snprintf(words[k], sizeof words[k], "%s", at("sym")), argv[k] = words[k];
    run_argv(&r, argv, NULL);
    expect_status(&r, cases[i].tool, 0);
    ck_assert(lstat(at("sym"), &st) == 0 && S_ISLNK(st.st_mode));
    now = contents(at("out"));
    ck_assert_msg(strcmp(now, "OLD") != 0, "case %zu: the link's target was not replaced", i);
    free(now);
    /* no temporary file is left behind */
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));)
      ck_assert_msg(strncmp(e->d_name, ".out.", 5) != 0, "case %zu: left %s", i, e->d_name);
    closedir(d);
    cleanup();
  }
}
END_TEST

/* A source with an error, its output something that is not a regular
 * file: the output is there afterwards, as it was. */
START_TEST(never_removed) {
  scratch();
  put("bad.s", "        frob r1\n", 16);
  ck_assert(mkdir(at("emptydir"), 0755) == 0);
  bool root = geteuid() == 0;
  if (root) ck_assert(mknod(at("dev"), S_IFCHR | 0666, makedev(1, 3)) == 0); /* a null device */
  const char *outs[] = {"fifo", "emptydir", "dev"};
  for (int i = 0; i < (root ? 3 : 2); i++) {
    struct stat before, after;
    ck_assert(lstat(at(outs[i]), &before) == 0);
    run r;
    runt(&r, "vasm", at("bad.s"), "-o", at(outs[i]), NULL);
    expect_status(&r, "vasm", 65);
    ck_assert_msg(lstat(at(outs[i]), &after) == 0, "vasm removed its output %s", outs[i]);
    ck_assert_msg(before.st_mode == after.st_mode && before.st_rdev == after.st_rdev && before.st_ino == after.st_ino,
                  "vasm replaced its output %s", outs[i]);
  }
  if (root) { /* and a good run writes into the device, never replacing it */
    struct stat before, after;
    ck_assert(lstat(at("dev"), &before) == 0);
    run r;
    runt(&r, "vasm", at("ok.s"), "-o", at("dev"), NULL);
    ck_assert_msg(r.status == 0 || r.status == 73, "status %d: %s", r.status, r.err); /* 73: a nodev mount */
    ck_assert(lstat(at("dev"), &after) == 0);
    ck_assert(before.st_ino == after.st_ino && S_ISCHR(after.st_mode));
  }
  cleanup();
}
END_TEST

START_TEST(history_file) {
  scratch();
  char buf[512];
  const char *cases[][2] = {{"sub", NULL}, {"fifo", NULL}, {"ok.s", "ok.s"}, {"new-history", "new-history"}};
  for (int i = 0; i < 4; i++) {
    setenv("VDB_HISTORY", at(cases[i][0]), 1);
    const char *p = term_history_path(buf, sizeof buf);
    if (!cases[i][1])
      ck_assert_msg(p == NULL, "VDB_HISTORY=%s: vdb would write into it", cases[i][0]);
    else
      ck_assert_msg(p && strcmp(p, at(cases[i][1])) == 0, "VDB_HISTORY=%s: %s", cases[i][0], p ? p : "none");
  }
  unsetenv("VDB_HISTORY");
  cleanup();
}
END_TEST

Suite *statuses_suite(void) {
  Suite *s = suite_create("statuses");
  TCase *tc = tcase_create("statuses");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, halt_codes, 0, (int)(sizeof modes / sizeof modes[0]));
  tcase_add_test(tc, monitor);
  tcase_add_test(tc, vdb_quit);
  tcase_add_test(tc, stdout_full);
  suite_add_tcase(s, tc);
  tc = tcase_create("files");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, replaced_whole);
  tcase_add_test(tc, never_removed);
  tcase_add_test(tc, history_file);
  suite_add_tcase(s, tc);
  return s;
}
