/* test_badinput.c: bad input to the tools, as a user would give it.
 *
 * bin/vasm, bin/vdis and bin/vmm run as subprocesses on malformed assembly,
 * truncated and corrupt images and bad flags.  Each must answer with a
 * clear message in the documented form and the documented exit status
 * (cli/status.h, docs/exit-status.md), and never crash:
 *
 *   vasm   FILE:LINE:COL: error: ...             65  (source errors)
 *          vasm: PATH: reason                    66  (unreadable file)
 *   vdis   vdis: PATH: reason                    66 (cannot read), 65 (invalid image)
 *   vmm    vmm: PATH: reason                     66 (cannot read), 65 (malformed)
 *   all    PROG: ... (try 'PROG --help')         64  (bad command line, one line)
 *          vmm: lockstep: ...                    76  (the modes diverge)
 * The options every program shares are tests/tools/test_conform.c's. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asm.h"
#include "image.h"

typedef struct run {
  int status; /* exit status; -1 for a signal (a crash) */
  char out[4096], err[4096];
} run;

static void slurp(int fd, char *buf, size_t cap) {
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, cap - 1);
  buf[n > 0 ? n : 0] = 0;
  close(fd);
}

static int tmpfd(void) {
  char name[256];
  snprintf(name, sizeof name, "%s/vkit-bad-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemp(name);
  ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
  unlink(name);
  return fd;
}

/* Run a program (NULL-terminated arguments), stdin from /dev/null. */
static void runv(run *r, const char *prog, ...) {
  const char *argv[32];
  int argc = 0;
  va_list ap;
  va_start(ap, prog);
  argv[argc++] = prog;
  const char *a;
  while ((a = va_arg(ap, const char *)) && argc < 31) argv[argc++] = a;
  va_end(ap);
  argv[argc] = NULL;
  int out = tmpfd(), err = tmpfd();
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  ck_assert(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(prog, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s (run make first)\n", prog, strerror(errno));
    _exit(127);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0) ck_assert(errno == EINTR);
  r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  slurp(out, r->out, sizeof r->out);
  slurp(err, r->err, sizeof r->err);
}

/* stderr is exactly one line (ending in a newline) that starts so. */
static void one_line(const run *r, const char *start) {
  ck_assert_msg(strncmp(r->err, start, strlen(start)) == 0, "stderr should start with \"%s\": %s", start, r->err);
  const char *nl = strchr(r->err, '\n');
  ck_assert_msg(nl && nl[1] == 0, "stderr should be one line: %s", r->err);
}

/* A scratch directory for the inputs, removed by the test's process end. */
static char dir[256];
static void scratch(void) {
  snprintf(dir, sizeof dir, "%s/vkit-badinput-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert(mkdtemp(dir) != NULL);
}
static const char *path(const char *name) {
  static char p[4][320];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}
static void put(const char *name, const void *data, size_t len) {
  FILE *f = fopen(path(name), "wb");
  ck_assert(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}
static void cleanup(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* ---- vasm: malformed assembly ---- */

/* A bad command line: one line (the status is the caller's to check). */
static void usage_line(const run *r, const char *prog) {
  char start[32];
  snprintf(start, sizeof start, "%s: ", prog);
  one_line(r, start);
}

static const struct {
  const char *src, *expect; /* expect: in "FILE:LINE:COL: error: ..." */
} bad_asm[] = {
    {"        frob r1, r2\n", "bad.s:1:9: error: "},
    {"        add r1, r2, r99\n", "bad.s:1:"},
    {"        addi r1, r2, 70000\n", "bad.s:1:"},
    {"        .asciz \"no end\n", "bad.s:1:"},
    {"        beq nowhere\n", "bad.s:1:"},
    {"x:      nop\nx:      nop\n", "bad.s:2:"},
    {"        .include \"does-not-exist.s\"\n", "bad.s:1:"},
    {"        .include \"bad.s\"\n", "bad.s:1:"},
    {".macro m\n        m\n.endm\n        m\n", "error: "},
    {"#if 1\n        nop\n", "error: "},
    {"        .org 0x1000\n        nop\n        .org 0x1000\n        nop\n", "error: "},
    {"        .word 1 +\n", "bad.s:1:"},
    {"        lw r1, 4(r2\n", "bad.s:1:"},
    {"\x01\x02\xff\xfe garbage\n", "bad.s:1:"},
    {"        .align 3\n", "bad.s:1:"},
    {"        .space -1\n", "bad.s:1:"},
    /* an exponential macro with a long body: cut off, not minutes of work */
    {".macro m0\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n.endm\n"
     ".macro m1\n m0\n m0\n.endm\n"
     ".macro m2\n m1\n m1\n.endm\n"
     ".macro m3\n m2\n m2\n.endm\n"
     ".macro m4\n m3\n m3\n.endm\n"
     ".macro m5\n m4\n m4\n.endm\n"
     ".macro m6\n m5\n m5\n.endm\n"
     ".macro m7\n m6\n m6\n.endm\n"
     ".macro m8\n m7\n m7\n.endm\n"
     ".macro m9\n m8\n m8\n.endm\n"
     ".macro m10\n m9\n m9\n.endm\n"
     ".macro m11\n m10\n m10\n.endm\n"
     ".macro m12\n m11\n m11\n.endm\n"
     ".macro m13\n m12\n m12\n.endm\n"
     ".macro m14\n m13\n m13\n.endm\n"
     ".macro m15\n m14\n m14\n.endm\n"
     " m15\n",
     "macro expansions too large"},
};

START_TEST(vasm_malformed_source) {
  scratch();
  for (size_t i = 0; i < sizeof bad_asm / sizeof bad_asm[0]; i++) {
    put("bad.s", bad_asm[i].src, strlen(bad_asm[i].src));
    put("bad.img", "stale", 5);
    run r;
    runv(&r, "bin/vasm", path("bad.s"), "-o", path("bad.img"), NULL);
    ck_assert_msg(r.status == 65, "case %zu: status %d\n%s", i, r.status, r.err);
    ck_assert_msg(strstr(r.err, bad_asm[i].expect) != NULL, "case %zu: no \"%s\" in:\n%s", i, bad_asm[i].expect,
                  r.err);
    ck_assert_msg(strstr(r.err, ": error: ") != NULL, "case %zu: %s", i, r.err);
    /* The old image is as it was: vasm never removes what it did not make
     * (make sees it older than the source and runs vasm again). */
    FILE *f = fopen(path("bad.img"), "rb");
    char old[8] = "";
    ck_assert_msg(f && fread(old, 1, sizeof old, f) == 5 && memcmp(old, "stale", 5) == 0,
                  "case %zu: the earlier image was changed or removed", i);
    fclose(f);
  }
  cleanup();
}
END_TEST

START_TEST(vasm_bad_command_line) {
  scratch();
  put("ok.s", "        halt zero\n", 18);
  static const char *const cases[][4] = {
      {"-x", NULL}, {NULL}, {"-o", NULL}, {"a.s", "b.s", NULL}, {"-D", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run r;
    runv(&r, "bin/vasm", cases[i][0], cases[i][0] ? cases[i][1] : NULL, NULL);
    ck_assert_msg(r.status == 64, "case %zu: status %d", i, r.status);
    usage_line(&r, "vasm");
  }
  run r;
  runv(&r, "bin/vasm", path("missing.s"), NULL);
  ck_assert_int_eq(r.status, 66);
  ck_assert_msg(strstr(r.err, "missing.s") != NULL, "%s", r.err);
  cleanup();
}
END_TEST

/* ---- vdis and vmm: truncated and corrupt images ---- */

static uint8_t *good_image(size_t *len) {
  const char *src = "        .org 0x1000\n_start: li r1, 3\n        halt r1\nmsg:    .asciz \"hello\"\n";
  image img;
  asm_diag diag = {0};
  ck_assert_int_eq(asm_assemble(NULL, "t.s", src, strlen(src), &img, &diag), 0);
  asm_diag_free(&diag);
  uint8_t *buf;
  char err[256];
  ck_assert_int_eq(image_write_mem(&img, &buf, len, err, sizeof err), 0);
  image_free(&img);
  return buf;
}

static void expect_bad_image(const char *name, int vdis_status, int vmm_status) {
  run r;
  char start[320];
  runv(&r, "bin/vdis", path(name), NULL);
  ck_assert_msg(r.status == vdis_status, "vdis %s: status %d: %s", name, r.status, r.err);
  snprintf(start, sizeof start, "vdis: %s: ", path(name));
  one_line(&r, start);
  runv(&r, "bin/vmm", "--max-steps", "1000", path(name), NULL);
  ck_assert_msg(r.status == vmm_status, "vmm %s: status %d: %s", name, r.status, r.err);
  snprintf(start, sizeof start, "vmm: %s: ", path(name));
  one_line(&r, start);
}

START_TEST(truncated_images) {
  scratch();
  size_t len;
  uint8_t *buf = good_image(&len);
  put("good.img", buf, len);
  run r;
  runv(&r, "bin/vmm", path("good.img"), NULL);
  ck_assert_int_eq(r.status, 3);
  /* Every prefix of the file is refused: the section headers are last. */
  for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 13) {
    put("cut.img", buf, cut);
    expect_bad_image("cut.img", 65, 65);
  }
  free(buf);
  cleanup();
}
END_TEST

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

START_TEST(corrupt_images) {
  scratch();
  size_t len;
  uint8_t *good = good_image(&len);
  uint8_t *b = malloc(len);
  uint32_t phoff, shoff;
  memcpy(&phoff, good + 28, 4);
  memcpy(&shoff, good + 32, 4);
  const struct {
    const char *what;
    size_t off;
    int width; /* 1, 2 or 4 bytes */
    uint32_t val;
    const char *expect;
  } cases[] = {
      {"magic", 0, 1, 'X', "not an ELF file"},
      {"class", 4, 1, 2, "not a 32-bit"},
      {"byte order", 5, 1, 2, "little-endian"},
      {"type", 16, 2, 1, "not an executable"},
      {"machine", 18, 2, 3, "wrong machine"},
      {"header size", 40, 2, 64, "ELF header size"},
      {"phentsize", 42, 2, 7, "program header size"},
      {"phnum", 44, 2, 0xffff, "program headers"},
      {"phoff", 28, 4, 0xfffffff0u, "program headers"},
      {"segment offset", 0, 4, 0xfffffff0u, "segment 0"},
      {"segment size", 0, 4, 0x7fffffffu, "segment 0"},
      {"segment vaddr", 0, 4, 0xfffffffcu, "segment 0"},
      {"shoff", 32, 4, 0xfffffff0u, "section headers"},
      {"shstrndx", 50, 2, 0x7fff, "section name table"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(b, good, len);
    size_t off = cases[i].off;
    if (strcmp(cases[i].what, "segment offset") == 0) off = phoff + 4;
    if (strcmp(cases[i].what, "segment size") == 0) off = phoff + 16;
    if (strcmp(cases[i].what, "segment vaddr") == 0) off = phoff + 8;
    if (cases[i].width == 1) b[off] = (uint8_t)cases[i].val;
    else if (cases[i].width == 2) put16(b + off, (uint16_t)cases[i].val);
    else put32(b + off, cases[i].val);
    if (strcmp(cases[i].what, "segment vaddr") == 0) put32(b + phoff + 12, cases[i].val); /* paddr too */
    put("bad.img", b, len);
    expect_bad_image("bad.img", 65, 65);
    run r;
    runv(&r, "bin/vdis", path("bad.img"), NULL);
    ck_assert_msg(strstr(r.err, cases[i].expect) != NULL, "%s: \"%s\" not in %s", cases[i].what, cases[i].expect,
                  r.err);
  }
  /* Not an image at all, and an empty file. */
  put("text.img", "hello, world\n", 13);
  expect_bad_image("text.img", 65, 65);
  put("empty.img", "", 0);
  expect_bad_image("empty.img", 65, 65);
  (void)shoff;
  free(b);
  free(good);
  cleanup();
}
END_TEST

/* Files that do not exist or cannot be read: 66. */
START_TEST(unreadable_images) {
  scratch();
  run r;
  runv(&r, "bin/vmm", path("nope.img"), NULL);
  ck_assert_int_eq(r.status, 66);
  one_line(&r, "vmm: ");
  ck_assert_msg(strstr(r.err, "No such file") != NULL, "%s", r.err);
  runv(&r, "bin/vdis", path("nope.img"), NULL);
  ck_assert_int_eq(r.status, 66);
  one_line(&r, "vdis: ");
  runv(&r, "bin/vmm", dir, NULL); /* a directory */
  ck_assert_msg(r.status == 66, "status %d", r.status);
  one_line(&r, "vmm: ");
  ck_assert_msg(strstr(r.err, "Is a directory") != NULL, "%s", r.err);
  cleanup();
}
END_TEST

/* An image whose segment does not fit in the guest's memory: 65. */
START_TEST(image_too_big_for_memory) {
  scratch();
  const char *src = "        .org 0x40000\n_start: halt zero\n";
  image img;
  asm_diag diag = {0};
  ck_assert_int_eq(asm_assemble(NULL, "t.s", src, strlen(src), &img, &diag), 0);
  asm_diag_free(&diag);
  char err[256];
  ck_assert_int_eq(image_write(path("far.img"), &img, err, sizeof err), 0);
  image_free(&img);
  static const char *const modes[] = {"native", "trap", "bt", "hw"};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    run r;
    runv(&r, "bin/vmm", "--mode", modes[i], "--mem", "64K", path("far.img"), NULL);
    ck_assert_msg(r.status == 65, "%s: status %d: %s", modes[i], r.status, r.err);
    ck_assert_msg(strstr(r.err, "does not fit") != NULL, "%s: %s", modes[i], r.err);
    if (i == 0) continue;
    /* in lockstep too: the same status as without it (it was 71, "out of
     * host memory") */
    runv(&r, "bin/vmm", "--lockstep", modes[i], "--mem", "64K", path("far.img"), NULL);
    ck_assert_msg(r.status == 65, "--lockstep %s: status %d: %s", modes[i], r.status, r.err);
    ck_assert_msg(strstr(r.err, "does not fit") != NULL, "--lockstep %s: %s", modes[i], r.err);
  }
  cleanup();
}
END_TEST

/* ---- vdis and vmm: bad flags ---- */

START_TEST(vdis_bad_command_line) {
  static const char *const cases[][3] = {{"-z", NULL}, {NULL}, {"a.img", "b.img", NULL}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run r;
    runv(&r, "bin/vdis", cases[i][0], cases[i][0] ? cases[i][1] : NULL, NULL);
    ck_assert_msg(r.status == 64, "case %zu: status %d", i, r.status);
    usage_line(&r, "vdis");
  }
}
END_TEST

START_TEST(vmm_bad_flags) {
  static const char *const cases[][5] = {
      {"--mem", "0", "x.img", NULL},          {"--mem", "3G", "x.img", NULL},
      {"--mem", "12Q", "x.img", NULL},        {"--tlb", "3", "x.img", NULL},
      {"--tlb", "0", "x.img", NULL},          {"--max-steps", "0", "x.img", NULL},
      {"--max-steps", "-5", "x.img", NULL},   {"--isa", "fancy", "x.img", NULL},
      {"--mode", "magic", "x.img", NULL},     {"--frobnicate", "x.img", NULL},
      {"--lockstep", "native", "x.img", NULL}, {"--lockstep", "magic", "x.img", NULL},
      {"--gen-seed", "ten", NULL},            {"--gen-kind", "evil", "--gen-seed", "1", NULL},
      {"--gen-seed", "1", "x.img", NULL},     {"--lockstep", "trap", "--mode", "trap", NULL},
      {NULL},                                 {"a.img", "b.img", NULL},
      {"--paging", "sideways", "x.img", NULL}, {"--bt-chain", "maybe", "x.img", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run r;
    const char *const *c = cases[i];
    runv(&r, "bin/vmm", c[0], c[0] ? c[1] : NULL, c[0] && c[1] ? c[2] : NULL, c[0] && c[1] && c[2] ? c[3] : NULL, NULL);
    ck_assert_msg(r.status == 64, "case %zu (%s %s): status %d: %s", i, c[0] ? c[0] : "", c[0] && c[1] ? c[1] : "",
                  r.status, r.err);
    usage_line(&r, "vmm");
  }
  run r0;
  runv(&r0, "bin/vmm", "--frobnicate", "x.img", NULL);
  ck_assert_str_eq(r0.err, "vmm: unknown option '--frobnicate' (try 'vmm --help')\n");
  run r;
  runv(&r, "bin/vmm", "--cost", "/nonexistent/cost-file", "x.img", NULL);
  ck_assert_int_eq(r.status, 64); /* neither a profile nor a file */
  usage_line(&r, "vmm");
}
END_TEST

/* ---- lockstep's own status ---- */

START_TEST(lockstep_statuses) {
  run r;
  runv(&r, "bin/vmm", "--lockstep", "trap", "build/guests/guestos.img", NULL);
  ck_assert_msg(r.status == 76, "status %d: %s", r.status, r.err);
  ck_assert_msg(strstr(r.err, "vmm: lockstep: native and trap diverge at tick ") == r.err, "%s", r.err);
  ck_assert_msg(strstr(r.err, "pushf") != NULL, "%s", r.err);
  runv(&r, "bin/vmm", "--lockstep", "trap", "--isa", "strict", "--mem", "256K", "--gen-seed", "3", NULL);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  one_line(&r, "vmm: lockstep: native and trap agree for ");
  runv(&r, "bin/vmm", "--lockstep", "trap", "--isa", "strict", "--max-steps", "100", "--gen-seed", "3", NULL);
  ck_assert_msg(r.status == 75, "status %d: %s", r.status, r.err);
}
END_TEST

Suite *badinput_suite(void) {
  Suite *s = suite_create("badinput");
  TCase *tc = tcase_create("vasm");
  tcase_add_test(tc, vasm_malformed_source);
  tcase_add_test(tc, vasm_bad_command_line);
  suite_add_tcase(s, tc);
  tc = tcase_create("images");
  tcase_add_test(tc, truncated_images);
  tcase_add_test(tc, corrupt_images);
  tcase_add_test(tc, unreadable_images);
  tcase_add_test(tc, image_too_big_for_memory);
  suite_add_tcase(s, tc);
  tc = tcase_create("flags");
  tcase_add_test(tc, vdis_bad_command_line);
  tcase_add_test(tc, vmm_bad_flags);
  tcase_add_test(tc, lockstep_statuses);
  suite_add_tcase(s, tc);
  return s;
}
