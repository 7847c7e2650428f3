/* test_symbols.c: images with many symbols load and list in O(n log n).
 *
 * vdis once took 42 s for 100,000 symbols (a scan of every symbol per
 * label and per branch), and adding symbols one realloc at a time made
 * loading quadratic under AddressSanitizer.  These tests count work, never
 * time it: the symbol index counts its comparisons (image_index_steps),
 * and the symbol array's growth is visible in symcap.
 *
 *   linear_work      loading an image and listing it (vdis, with and
 *                    without -a) and looking up every symbol: the steps
 *                    for 8n symbols are about 8 (n log n) times those for n,
 *                    where a scan per query would make them 64 times
 *   doubling         n symbols are added with O(log n) reallocations
 *   index_agrees     every query answers the same with the index as by a
 *                    scan, on symbols with shared addresses, shared names
 *                    and globals among locals */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "asmtest.h"
#include "cpu.h"
#include "disasm.h"

/* n words at 0x1000, each a jump to a pseudo-random other one, and a label
 * on each ("l<i>", every 16th global); read back from the ELF bytes, so the
 * load is the one bin/vdis does. */
static void big_image(int n, image *out) {
  image img = {0};
  uint32_t *words = malloc((size_t)n * 4);
  ck_assert_ptr_nonnull(words);
  for (int i = 0; i < n; i++) {
    int to = (int)(((uint64_t)i * 7919 + 13) % (uint64_t)n);
    words[i] = ISA_ENC_J(OP_JMP, to - i);
  }
  ck_assert_int_eq(image_add_seg(&img, 0x1000, (const uint8_t *)words, (uint32_t)n * 4), 0);
  free(words);
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "l%d", i);
    ck_assert_int_eq(image_add_sym(&img, name, 0x1000 + 4 * (uint32_t)i, i % 16 == 0), 0);
  }
  img.entry = 0x1000;
  uint8_t *buf;
  size_t len;
  char err[256];
  ck_assert_int_eq(image_write_mem(&img, &buf, &len, err, sizeof err), 0);
  image_free(&img);
  ck_assert_msg(image_read_mem(buf, len, "big.img", out, err, sizeof err) == 0, "%s", err);
  free(buf);
}

/* The steps to load, list twice (plain and -a) and look every symbol up. */
static uint64_t work(int n) {
  image img;
  big_image(n, &img);
  FILE *devnull = fopen("/dev/null", "w");
  ck_assert_ptr_nonnull(devnull);
  dis_image(devnull, &img, 0);
  dis_image(devnull, &img, DIS_ADDRS);
  fclose(devnull);
  for (int i = 0; i < n; i++) {
    char name[16];
    uint32_t a, off;
    snprintf(name, sizeof name, "l%d", i);
    ck_assert_int_eq(image_lookup(&img, name, &a), 0);
    ck_assert_str_eq(image_symbol_at(&img, a + 2, &off), name);
    ck_assert_uint_eq(off, 2);
  }
  uint64_t steps = image_index_steps(&img);
  image_free(&img);
  return steps;
}

START_TEST(linear_work) {
  int n = 1 << 12;
  uint64_t small = work(n), large = work(8 * n);
  double ratio = (double)large / (double)small;
  /* n log n: 8 * 15/12 = 10; one scan per query: about 64 */
  ck_assert_msg(small > (uint64_t)n && ratio < 12.0, "steps: %llu for %d symbols, %llu for %d: ratio %.1f",
                (unsigned long long)small, n, (unsigned long long)large, 8 * n, ratio);
}
END_TEST

START_TEST(doubling) {
  image img = {0};
  int grows = 0, cap = 0, n = 1 << 16;
  for (int i = 0; i < n; i++) {
    ck_assert_int_eq(image_add_sym(&img, "s", (uint32_t)i, false), 0);
    if (img.symcap != cap) grows++, cap = img.symcap;
  }
  ck_assert_msg(grows <= 14 && img.symcap < 2 * n, "%d reallocations for %d symbols", grows, n);
  image_free(&img);
}
END_TEST

START_TEST(index_agrees) {
  uint32_t seed = 12345;
  for (int round = 0; round < 20; round++) {
    image a = {0}, b = {0};
    int n = 1 + (int)(rnd(&seed) % 300);
    for (int i = 0; i < n; i++) {
      char name[16];
      snprintf(name, sizeof name, "s%u", rnd(&seed) % (uint32_t)(n / 2 + 1)); /* shared names */
      uint32_t addr = 0x1000 + 4 * (rnd(&seed) % (uint32_t)(n / 3 + 1));      /* shared addresses */
      bool global = rnd(&seed) % 4 == 0;
      ck_assert_int_eq(image_add_sym(&a, name, addr, global), 0);
      ck_assert_int_eq(image_add_sym(&b, name, addr, global), 0);
    }
    ck_assert_int_eq(image_build_index(&a), 0);
    ck_assert_ptr_nonnull(image_by_addr(&a));
    ck_assert_ptr_null(image_by_addr(&b)); /* b answers by scanning */
    for (uint32_t addr = 0xff0; addr < 0x1000 + 4 * (uint32_t)n / 3 + 12; addr += 2) {
      uint32_t oa = 0, ob = 0;
      const char *x = image_symbol_at(&a, addr, &oa), *y = image_symbol_at(&b, addr, &ob);
      ck_assert_msg((!x && !y) || (x && y && strcmp(x, y) == 0 && oa == ob), "round %d, 0x%x: %s+%u, %s+%u", round,
                    addr, x ? x : "-", oa, y ? y : "-", ob);
      ck_assert_uint_eq(image_symbol_after(&a, addr), image_symbol_after(&b, addr));
    }
    for (int k = 0; k < n / 2 + 2; k++) {
      char name[16];
      snprintf(name, sizeof name, "s%d", k);
      const image_sym *x = image_find(&a, name), *y = image_find(&b, name);
      ck_assert_msg((!x && !y) || (x && y && x - a.syms == y - b.syms), "round %d: %s", round, name);
    }
    /* the walk in address order: addresses ascending, file order at one */
    const int *order = image_by_addr(&a);
    for (int i = 1; i < n; i++) {
      const image_sym *p = &a.syms[order[i - 1]], *q = &a.syms[order[i]];
      ck_assert(p->addr < q->addr || (p->addr == q->addr && order[i - 1] < order[i]));
    }
    image_free(&a);
    image_free(&b);
  }
}
END_TEST

Suite *symbols_suite(void) {
  Suite *s = suite_create("symbols");
  TCase *tc = tcase_create("symbols");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, linear_work);
  tcase_add_test(tc, doubling);
  tcase_add_test(tc, index_agrees);
  suite_add_tcase(s, tc);
  return s;
}
