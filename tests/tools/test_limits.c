/* test_limits.c: every documented limit, computed from its constant.
 *
 * For each limit a user can meet (core/vmm.h, cpu.h, bt.h, run/multi.h,
 * vdb.h, assembler/image.h): the documents quote the value the constant
 * gives, and the program accepts the value at the boundary and just
 * inside it, and refuses the value just past it with a one-line error and
 * its documented status, never a panic. */
#include <check.h>
#include <sys/stat.h>

#include "asm.h"
#include "bt/bt.h"
#include "guestrun.h"
#include "image.h"
#include "run/multi.h"
#include "vdb/vdb.h"
#include "run/runner.h"

#define LDIR "build/limits-tests"

/* A guest that fits in one page at 0: halt with code 0. */
static const char *tiny_image(void) {
  static const char path[] = LDIR "/tiny.img";
  static const char src[] = ".org 0\n_start: li r1, 0\n halt r1\n";
  mkdir("build", 0777);
  mkdir(LDIR, 0777);
  image img;
  asm_diag diag = {0};
  ck_assert_msg(asm_assemble(NULL, "tiny.s", src, strlen(src), &img, &diag) == 0, "%s", diag.text);
  char err[256], tmp[300];
  snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid()); /* (tests run in parallel processes) */
  ck_assert_msg(image_write(tmp, &img, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq(rename(tmp, path), 0);
  image_free(&img);
  return path;
}

static char *num(char *buf, uint64_t v) {
  sprintf(buf, "%llu", (unsigned long long)v);
  return buf;
}
static char *bytes(char *buf, uint64_t v) { return (char *)size_str(v, buf, 24); }

/* Does the document hold the text? */
static void quoted(const char *doc, const char *text) {
  char *s = gr_slurp(doc, NULL);
  ck_assert_msg(s != NULL, "%s is missing", doc);
  ck_assert_msg(strstr(s, text) != NULL, "%s does not say \"%s\" (the limit's constant gives it)", doc, text);
  free(s);
}

/* bin/vmm with args (NULL-terminated), "%V" replaced by v: accepted (the
 * run ends with status `want`: its halt, or 75 when the value is a budget
 * too short for the guest), or refused (want 64: a first stderr line
 * "vmm: bad OPT ..."). */
static void vmm_at(const char *opt, const char *v, int want, const char *const *args) {
  const char *argv[GR_MAX_ARGS];
  int n = 0;
  for (; *args; args++) argv[n++] = strcmp(*args, "%V") == 0 ? v : *args;
  argv[n] = NULL;
  gr_result r;
  gr_runv(&r, NULL, argv);
  if (want != 64) {
    ck_assert_msg(r.status == want, "%s %s: status %d, want %d:\n%s", opt, v, r.status, want, r.err);
  } else {
    ck_assert_msg(r.status == 64, "%s %s: status %d, want 64 (usage):\n%s", opt, v, r.status, r.err);
    ck_assert_msg(strncmp(r.err, "vmm: bad ", 9) == 0 && strstr(r.err, opt) && !strstr(r.err, "panic"),
                  "%s %s: want one line 'vmm: bad %s ...', got:\n%s", opt, v, opt, r.err);
  }
  gr_free(&r);
}

/* The three values of a limit: at, inside, past. */
static void vmm_limit(const char *opt, const char *at, const char *inside, const char *past, const char *const *args) {
  vmm_at(opt, at, 0, args);
  vmm_at(opt, inside, 0, args);
  vmm_at(opt, past, 64, args);
}

START_TEST(mem_limits) {
  char a[24], b[24], c[24], q[64];
  const char *img = tiny_image();
  const char *const args[] = {"--mode", "trap", "--mem", "%V", img, NULL};
  vmm_limit("--mem", bytes(a, VMM_MEM_MIN), bytes(b, 2 * VMM_MEM_MIN), num(c, VMM_MEM_MIN - 1), args);
  vmm_limit("--mem", bytes(a, VMM_MEM_MAX), bytes(b, VMM_MEM_MAX - PAGE_SIZE), num(c, VMM_MEM_MAX + 1ull), args);
  snprintf(q, sizeof q, "%s to %s", bytes(a, VMM_MEM_MIN), bytes(b, VMM_MEM_MAX));
  quoted("docs/vmm.md", q);
  quoted("docs/multi.md", q);
  quoted("docs/man/vmm.1", q);
}
END_TEST

START_TEST(tlb_limits) {
  char a[24], b[24], c[24], q[64];
  const char *img = tiny_image();
  const char *const args[] = {"--tlb", "%V", img, NULL};
  vmm_limit("--tlb", num(a, 1), num(b, 2), num(c, 0), args);
  vmm_limit("--tlb", num(a, VMM_TLB_MAX), num(b, VMM_TLB_MAX / 2), num(c, 2ull * VMM_TLB_MAX), args);
  vmm_at("--tlb", num(c, VMM_TLB_MAX - 1), 64, args); /* not a power of two */
  snprintf(q, sizeof q, "1 to %u", VMM_TLB_MAX);
  quoted("docs/vmm.md", q);
  quoted("docs/man/vmm.1", q);
}
END_TEST

START_TEST(tc_size_limits) {
  char a[24], b[24], c[24], q[64];
  const char *img = tiny_image();
  const char *const args[] = {"--mode", "bt", "--tc-size", "%V", img, NULL};
  vmm_limit("--tc-size", bytes(a, BT_MIN_TC_PAGES * PAGE_SIZE), bytes(b, (BT_MIN_TC_PAGES + 1) * PAGE_SIZE),
            bytes(c, (BT_MIN_TC_PAGES - 1) * PAGE_SIZE), args);
  vmm_limit("--tc-size", bytes(a, BT_MAX_TC_PAGES * PAGE_SIZE), bytes(b, (BT_MAX_TC_PAGES - 1) * PAGE_SIZE),
            bytes(c, (BT_MAX_TC_PAGES + 1) * PAGE_SIZE), args);
  vmm_at("--tc-size", num(c, BT_MIN_TC_PAGES * PAGE_SIZE + 4), 64, args); /* not whole pages */
  snprintf(q, sizeof q, "%s to %s", bytes(a, BT_MIN_TC_PAGES * PAGE_SIZE), bytes(b, BT_MAX_TC_PAGES * PAGE_SIZE));
  quoted("docs/vmm.md", q);
  quoted("docs/bt.md", q);
  quoted("docs/man/vmm.1", q);
}
END_TEST

START_TEST(step_and_quantum_limits) {
  char a[24], b[24], q[64];
  const char *img = tiny_image();
  const char *const steps[] = {"--max-steps", "%V", img, NULL};
  vmm_at("--max-steps", "1", 75, steps); /* (the guest needs 2 ticks to halt) */
  vmm_at("--max-steps", "2", 0, steps);
  vmm_at("--max-steps", "0", 64, steps);
  vmm_limit("--max-steps", num(a, UINT64_MAX), num(b, UINT64_MAX - 1), "18446744073709551616", steps);
  snprintf(q, sizeof q, "1 to %llu", (unsigned long long)UINT64_MAX);
  quoted("docs/vmm.md", q);
  const char *const quantum[] = {"--mode", "trap", "--quantum", "%V", img, img, NULL};
  vmm_limit("--quantum", "1", "2", "0", quantum);
  vmm_limit("--quantum", num(a, UINT32_MAX), num(b, UINT32_MAX - 1ull), num(q, UINT32_MAX + 1ull), quantum);
  snprintf(q, sizeof q, "1 to %u", UINT32_MAX);
  quoted("docs/multi.md", q);
  quoted("docs/man/vmm.1", q);
}
END_TEST

/* A config file with one option line for guest A (and a plain guest B). */
static void config_at(const char *what, const char *opts, bool ok) {
  char path[] = LDIR "/cfg-XXXXXX";
  int fd = mkstemp(path);
  ck_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "%s %s %s\nB %s\n", what, tiny_image(), opts, tiny_image());
  fclose(f);
  gr_result r;
  gr_run(&r, NULL, "--mode", "trap", "--config", path, NULL);
  if (ok)
    ck_assert_msg(r.status == 0, "%s %s: status %d:\n%s", what, opts, r.status, r.err);
  else
    ck_assert_msg(r.status == 65 && strstr(r.err, path) && !strstr(r.err, "panic"), /* a malformed input */
                  "%s %s: want status 65 and 'FILE:LINE: ...', got %d:\n%s", what, opts, r.status, r.err);
  gr_free(&r);
  unlink(path);
}

START_TEST(config_limits) {
  char v[80], q[64], name[MULTI_NAME_MAX + 1];
  tiny_image();
  snprintf(v, sizeof v, "weight=%d", MULTI_MAX_WEIGHT);
  config_at("A", v, true);
  snprintf(v, sizeof v, "weight=%d", MULTI_MAX_WEIGHT - 1);
  config_at("A", v, true);
  snprintf(v, sizeof v, "weight=%d", MULTI_MAX_WEIGHT + 1);
  config_at("A", v, false);
  config_at("A", "weight=1", true);
  config_at("A", "weight=0", false);
  snprintf(q, sizeof q, "1 to %d", MULTI_MAX_WEIGHT);
  quoted("docs/multi.md", q);
  char a[24];
  snprintf(v, sizeof v, "mem=%s", bytes(a, VMM_MEM_MAX));
  config_at("A", v, true);
  snprintf(v, sizeof v, "mem=%llu", VMM_MEM_MAX + 1ull);
  config_at("A", v, false);
  snprintf(v, sizeof v, "mem=%u", VMM_MEM_MIN - 1);
  config_at("A", v, false);
  memset(name, 'n', sizeof name);
  name[MULTI_NAME_MAX - 1] = 0; /* the longest name */
  config_at(name, "", true);
  name[MULTI_NAME_MAX - 2] = 0;
  config_at(name, "", true);
  memset(name, 'n', MULTI_NAME_MAX);
  name[MULTI_NAME_MAX] = 0; /* one longer */
  config_at(name, "", false);
  snprintf(q, sizeof q, "at most %d", MULTI_NAME_MAX - 1);
  quoted("docs/multi.md", q);
}
END_TEST

/* bin/vdb's own limits, in process (its main is a library call). */
static int vdb_with(const char *opt, const char *v, const char *script) {
  char *argv[] = {"vdb", "--batch", (char *)opt, (char *)v, "-ex", (char *)script, (char *)tiny_image(), NULL};
  FILE *out = fopen("/dev/null", "w");
  char *err = NULL;
  size_t len = 0;
  FILE *e = open_memstream(&err, &len);
  int st = vdb_main(7, argv, out, e);
  fclose(out);
  fclose(e);
  ck_assert_msg(!strstr(err, "panic"), "%s %s: %s", opt, v, err);
  free(err);
  return st;
}

START_TEST(vdb_limits) {
  char a[24], q[64];
  ck_assert_int_eq(vdb_with("--checkpoints", num(a, VDB_CKPT_LIMIT), "quit"), 0);
  ck_assert_int_eq(vdb_with("--checkpoints", num(a, VDB_CKPT_LIMIT - 1), "quit"), 0);
  ck_assert_int_eq(vdb_with("--checkpoints", num(a, VDB_CKPT_LIMIT + 1), "quit"), 64);
  ck_assert_int_eq(vdb_with("--checkpoints", "2", "quit"), 0);
  ck_assert_int_eq(vdb_with("--checkpoints", "1", "quit"), 64);
  snprintf(q, sizeof q, "2 to %u", VDB_CKPT_LIMIT);
  quoted("docs/vdb.md", q);
  quoted("docs/man/vdb.1", q);
  ck_assert_int_eq(vdb_with("--mem", bytes(a, VMM_MEM_MIN), "quit"), 0);
  ck_assert_int_eq(vdb_with("--mem", num(a, VMM_MEM_MIN - 1), "quit"), 64);
  ck_assert_int_eq(vdb_with("--tlb", num(a, VMM_TLB_MAX), "quit"), 0);
  ck_assert_int_eq(vdb_with("--tlb", num(a, 2ull * VMM_TLB_MAX), "quit"), 64);
}
END_TEST

/* `source` nests VDB_SOURCE_DEPTH deep, and one more is refused. */
START_TEST(vdb_source_depth) {
  char path[VDB_SOURCE_DEPTH + 2][128], cmd[160], q[64];
  tiny_image();
  for (int depth = VDB_SOURCE_DEPTH; depth <= VDB_SOURCE_DEPTH + 1; depth++) {
    for (int i = 0; i < depth; i++) {
      snprintf(path[i], sizeof path[i], "%s/%s/depth%d-%d.cmd", getcwd(cmd, sizeof cmd), LDIR, depth, i);
      path[i][sizeof path[i] - 1] = 0;
    }
    for (int i = 0; i < depth; i++) {
      FILE *f = fopen(path[i], "w");
      ck_assert_ptr_nonnull(f);
      if (i + 1 < depth)
        fprintf(f, "source %s\n", path[i + 1]);
      else
        fprintf(f, "print 42\n");
      fclose(f);
    }
    snprintf(cmd, sizeof cmd, "source %s", path[0]);
    int st = vdb_with("--mode", "native", cmd);
    ck_assert_msg(depth == VDB_SOURCE_DEPTH ? st == 0 : st != 0, "source nested %d deep: status %d", depth, st);
  }
  snprintf(q, sizeof q, "%d deep at most", VDB_SOURCE_DEPTH);
  quoted("docs/vdb.md", q);
}
END_TEST

/* The image format's limits: segments, and their bytes in all. */
START_TEST(image_limits) {
  char err[256], q[64];
  const char *path = LDIR "/segs.img";
  tiny_image();
  image img = {.entry = 0};
  uint8_t word[4] = {0};
  for (uint32_t i = 0; i < IMAGE_MAX_SEGS; i++)
    ck_assert_int_eq(image_add_seg(&img, i * PAGE_SIZE, word, sizeof word), 0);
  ck_assert_int_ne(image_add_seg(&img, IMAGE_MAX_SEGS * PAGE_SIZE, word, sizeof word), 0); /* just past */
  ck_assert_msg(image_write(path, &img, err, sizeof err) == 0, "%s", err);
  image_free(&img);
  ck_assert_msg(image_read(path, &img, err, sizeof err) == 0, "%u segments: %s", IMAGE_MAX_SEGS, err);
  ck_assert_int_eq(img.nsegs, IMAGE_MAX_SEGS);
  image_free(&img);
  /* One program header more than the limit, in the file's own header. */
  size_t len;
  char *elf = gr_slurp(path, &len);
  ck_assert_ptr_nonnull(elf);
  uint16_t phnum = IMAGE_MAX_SEGS + 1;
  memcpy(elf + 44, &phnum, 2); /* e_phnum */
  ck_assert_int_ne(image_read_mem((const uint8_t *)elf, len, path, &img, err, sizeof err), 0);
  ck_assert_msg(strchr(err, '\n') == NULL && strstr(err, "program headers"), "one line, got: %s", err);
  free(elf);
  /* The bytes: exactly IMAGE_MAX_BYTES loads, one more is refused. */
  uint8_t *big = calloc(1, IMAGE_MAX_BYTES + 1);
  ck_assert_ptr_nonnull(big);
  img = (image){.entry = 0};
  ck_assert_int_eq(image_add_seg(&img, 0, big, IMAGE_MAX_BYTES), 0);
  ck_assert_msg(image_write(path, &img, err, sizeof err) == 0, "%s", err);
  image_free(&img);
  ck_assert_msg(image_read(path, &img, err, sizeof err) == 0, "%u bytes: %s", IMAGE_MAX_BYTES, err);
  image_free(&img);
  img = (image){.entry = 0};
  ck_assert_int_eq(image_add_seg(&img, 0, big, IMAGE_MAX_BYTES + 1), 0);
  int wrote = image_write(path, &img, err, sizeof err);
  image_free(&img);
  if (wrote == 0) ck_assert_int_ne(image_read(path, &img, err, sizeof err), 0);
  free(big);
  unlink(path);
  snprintf(q, sizeof q, "%u segments", IMAGE_MAX_SEGS);
  quoted("docs/asm.md", q);
  snprintf(q, sizeof q, "%u MiB of segment data", IMAGE_MAX_BYTES >> 20);
  quoted("docs/asm.md", q);
}
END_TEST

Suite *limits_suite(void) {
  Suite *s = suite_create("limits");
  TCase *tc = tcase_create("limits");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, mem_limits);
  tcase_add_test(tc, tlb_limits);
  tcase_add_test(tc, tc_size_limits);
  tcase_add_test(tc, step_and_quantum_limits);
  tcase_add_test(tc, config_limits);
  tcase_add_test(tc, vdb_limits);
  tcase_add_test(tc, vdb_source_depth);
  tcase_add_test(tc, image_limits);
  suite_add_tcase(s, tc);
  return s;
}
