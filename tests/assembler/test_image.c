/* test_image.c: the ELF32 image library.  What image_write writes,
 * image_read gives back; anything truncated or corrupted is refused with a
 * reason and never crashes. */
#include <check.h>
#include <stdio.h>
#include <unistd.h>

#include "asmtest.h"

/* A small image with two segments (one at an odd address) and symbols. */
static void sample(image *img) {
  memset(img, 0, sizeof *img);
  const uint8_t a[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const uint8_t b[] = {0xaa, 0xbb, 0xcc};
  ck_assert_int_eq(image_add_seg(img, 0x1000, a, sizeof a), 0);
  ck_assert_int_eq(image_add_seg(img, 0x2001, b, sizeof b), 0);
  ck_assert_int_eq(image_add_sym(img, "start", 0x1000, true), 0);
  ck_assert_int_eq(image_add_sym(img, "loop", 0x1004, false), 0);
  ck_assert_int_eq(image_add_sym(img, "data.x", 0x2001, false), 0);
  img->entry = 0x1004;
}

static void write_mem(const image *img, uint8_t **buf, size_t *len) {
  char err[128];
  ck_assert_msg(image_write_mem(img, buf, len, err, sizeof err) == 0, "%s", err);
}

START_TEST(test_roundtrip) {
  image img, back;
  sample(&img);
  uint8_t *buf;
  size_t len;
  write_mem(&img, &buf, &len);
  char err[128];
  ck_assert_msg(image_read_mem(buf, len, "mem", &back, err, sizeof err) == 0, "%s", err);
  ck_assert_uint_eq(back.entry, 0x1004);
  ck_assert_int_eq(back.nsegs, 2);
  ck_assert(same_memory(&img, &back));
  ck_assert_int_eq(back.nsyms, 3);
  uint32_t a;
  ck_assert_int_eq(image_lookup(&back, "data.x", &a), 0);
  ck_assert_uint_eq(a, 0x2001);
  ck_assert_int_eq(image_lookup(&back, "nothere", &a), -1);
  for (int i = 0; i < back.nsyms; i++)
    ck_assert_int_eq(back.syms[i].global, strcmp(back.syms[i].name, "start") == 0);
  /* The same bytes again: writing is deterministic. */
  uint8_t *buf2;
  size_t len2;
  write_mem(&back, &buf2, &len2);
  ck_assert_uint_eq(len, len2);
  ck_assert_int_eq(memcmp(buf, buf2, len), 0);
  free(buf), free(buf2);
  image_free(&img), image_free(&back);
}
END_TEST

START_TEST(test_file_io) {
  image img, back;
  sample(&img);
  char path[] = "/tmp/test_image_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char err[256];
  ck_assert_int_eq(image_write(path, &img, err, sizeof err), 0);
  ck_assert_msg(image_read(path, &back, err, sizeof err) == 0, "%s", err);
  ck_assert(same_memory(&img, &back));
  image_free(&back);
  remove(path);
  ck_assert_int_eq(image_read(path, &back, err, sizeof err), 66); /* cli/status.h: cannot be read */
  char want[300];
  snprintf(want, sizeof want, "%s: No such file or directory", path);
  ck_assert_str_eq(err, want);
  image_free(&img);
}
END_TEST

START_TEST(test_symbol_at) {
  image img;
  sample(&img);
  image_add_sym(&img, "alias", 0x1000, false);
  uint32_t off;
  ck_assert_str_eq(image_symbol_at(&img, 0x1000, &off), "start"); /* the global wins a tie */
  ck_assert_uint_eq(off, 0);
  ck_assert_str_eq(image_symbol_at(&img, 0x1003, &off), "start");
  ck_assert_uint_eq(off, 3);
  ck_assert_str_eq(image_symbol_at(&img, 0x1fff, &off), "loop");
  ck_assert_uint_eq(off, 0x1fff - 0x1004);
  ck_assert_ptr_null(image_symbol_at(&img, 0xfff, &off));
  image_free(&img);
}
END_TEST

/* A file cut short anywhere is refused, never half-read. */
START_TEST(test_truncated) {
  image img, back;
  sample(&img);
  uint8_t *buf;
  size_t len;
  write_mem(&img, &buf, &len);
  for (size_t n = 0; n < len; n++) {
    uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any overread */
    memcpy(cut, buf, n);
    char err[128] = "";
    int r = image_read_mem(cut, n, "cut", &back, err, sizeof err);
    free(cut);
    ck_assert_msg(r == -1, "accepted %zu of %zu bytes", n, len);
    ck_assert_msg(strncmp(err, "cut: ", 5) == 0 && strlen(err) > 5, "no reason: '%s'", err);
    ck_assert_ptr_null(back.segs);
  }
  free(buf);
  image_free(&img);
}
END_TEST

/* Random byte flips: each result is either refused with a reason or a
 * valid image (sorted, non-overlapping segments). */
START_TEST(test_corrupted) {
  image img, back;
  sample(&img);
  uint8_t *buf;
  size_t len;
  write_mem(&img, &buf, &len);
  uint32_t seed = 0xc0ffee;
  int refused = 0;
  for (int round = 0; round < 5000; round++) {
    uint8_t *bad = malloc(len);
    memcpy(bad, buf, len);
    int flips = 1 + (int)(rnd(&seed) % 4);
    for (int k = 0; k < flips; k++) bad[rnd(&seed) % len] ^= (uint8_t)(1 + rnd(&seed) % 255);
    char err[128];
    if (image_read_mem(bad, len, "bad", &back, err, sizeof err) < 0) {
      refused++;
    } else {
      for (int i = 1; i < back.nsegs; i++)
        ck_assert((uint64_t)back.segs[i - 1].addr + back.segs[i - 1].size <= back.segs[i].addr);
      image_free(&back);
    }
    free(bad);
  }
  ck_assert_int_gt(refused, 100);
  free(buf);
  image_free(&img);
}
END_TEST

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Specific corruptions and their reasons. */
START_TEST(test_reasons) {
  image img, back;
  sample(&img);
  uint8_t *buf;
  size_t len;
  write_mem(&img, &buf, &len);
  static const struct {
    size_t off;
    uint32_t value;
    int width;
    const char *reason;
  } cases[] = {
      {0, 0x7e, 1, "x: not an ELF file"},
      {1, 'X', 1, "x: not an ELF file"},
      {4, 2, 1, "x: not a 32-bit ELF file"},
      {5, 2, 1, "x: not a little-endian ELF file"},
      {6, 0, 1, "x: unknown ELF version"},
      {16, 3, 2, "x: not an executable (e_type 3)"},
      {18, 3, 2, "x: wrong machine 0x3 (the kit's CPU is 0x564b)"},
      {40, 64, 2, "x: bad ELF header size"},
      {42, 56, 2, "x: bad program header size 56"},
      {44, 2000, 2, "x: too many program headers (2000)"},
      {28, 0xfffffff0, 4, "x: program headers extend past the end of the file"},
      {52 + 4, 0xffffff00, 4, "x: segment 0: data extends past the end of the file"},
      {52 + 16, 0x100, 4, "x: segment 0: file size 0x100 exceeds memory size 0x9"},
      {52 + 12, 0xfffffffc, 4, "x: segment 0: wraps past the end of the address space"},
      {52 + 20, 0x8000000, 4, "x: segments too large (over 67108864 bytes)"},
      {52 + 32 + 12, 0x1008, 4, "x: segments at 0x1000 and 0x1008 overlap"},
      {46, 20, 2, "x: bad section header size 20"},
      {32, 0xfffffff0, 4, "x: section headers extend past the end of the file"},
      {50, 99, 2, "x: bad section name table index 99"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t *bad = malloc(len);
    memcpy(bad, buf, len);
    if (cases[i].width == 1)
      bad[cases[i].off] = (uint8_t)cases[i].value;
    else if (cases[i].width == 2)
      bad[cases[i].off] = (uint8_t)cases[i].value, bad[cases[i].off + 1] = (uint8_t)(cases[i].value >> 8);
    else
      put32(bad + cases[i].off, cases[i].value);
    char err[128] = "";
    ck_assert_msg(image_read_mem(bad, len, "x", &back, err, sizeof err) == -1, "case %zu accepted",
                  i);
    ck_assert_str_eq(err, cases[i].reason);
    free(bad);
  }
  free(buf);
  image_free(&img);
}
END_TEST

START_TEST(test_writer_refuses) {
  image img = {0};
  const uint8_t b[8] = {0};
  image_add_seg(&img, 0x100, b, 8);
  image_add_seg(&img, 0x104, b, 8);
  uint8_t *buf;
  size_t len;
  char err[128];
  ck_assert_int_eq(image_write_mem(&img, &buf, &len, err, sizeof err), -1);
  ck_assert_str_eq(err, "image_write: segments overlap or are out of order");
  image_free(&img);
}
END_TEST

/* Segments added in any order are kept in address order (a generator
 * adds its kernels' memory after the assembled code), so the image can be
 * written and listed. */
START_TEST(test_segments_sorted) {
  image img = {0}, back;
  const uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  static const uint32_t at[] = {0x2000, 0x1000, 0x3000, 0x1800};
  for (int i = 0; i < 4; i++) ck_assert_int_eq(image_add_seg(&img, at[i], b, 8), 0);
  for (int i = 1; i < img.nsegs; i++) ck_assert_uint_lt(img.segs[i - 1].addr, img.segs[i].addr);
  uint8_t *buf;
  size_t len;
  char err[128];
  ck_assert_msg(image_write_mem(&img, &buf, &len, err, sizeof err) == 0, "%s", err);
  ck_assert_msg(image_read_mem(buf, len, "t.img", &back, err, sizeof err) == 0, "%s", err);
  ck_assert(same_memory(&img, &back));
  free(buf);
  image_free(&back);
  image_free(&img);
}
END_TEST

/* image_put_seg takes malloc'd bytes without copying them (the sanitizer
 * build sees a double free or a leak if the image frees them twice or
 * not at all), and the segment array grows by doubling: a generated
 * kernel adds dozens of segments, and under AddressSanitizer every
 * realloc copies. */
START_TEST(test_put_seg) {
  image img = {0};
  uint8_t *mine = malloc(8);
  memcpy(mine, "\1\2\3\4\5\6\7\10", 8);
  ck_assert_int_eq(image_put_seg(&img, 0x4000, mine, 8), 0);
  ck_assert_ptr_eq(img.segs[0].data, mine);
  int grows = 0, cap = img.segcap;
  const uint8_t w[4] = {0};
  for (uint32_t i = 0; i < 1000; i++) {
    ck_assert_int_eq(image_add_seg(&img, 0x10000 + i * 16, w, 4), 0);
    if (img.segcap != cap) grows++, cap = img.segcap;
  }
  ck_assert_int_eq(img.nsegs, 1001);
  ck_assert_msg(grows <= 8 && cap < 2 * 1001, "%d reallocations for 1001 segments (room %d)", grows, cap);
  ck_assert_uint_eq(img.segs[0].addr, 0x4000);
  ck_assert_mem_eq(img.segs[0].data, "\1\2\3\4\5\6\7\10", 8);
  image_free(&img);
}
END_TEST

Suite *image_suite(void) {
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("elf");
  tcase_add_test(tc, test_roundtrip);
  tcase_add_test(tc, test_file_io);
  tcase_add_test(tc, test_symbol_at);
  tcase_add_test(tc, test_truncated);
  tcase_add_test(tc, test_corrupted);
  tcase_add_test(tc, test_reasons);
  tcase_add_test(tc, test_writer_refuses);
  tcase_add_test(tc, test_segments_sorted);
  tcase_add_test(tc, test_put_seg);
  suite_add_tcase(s, tc);
  return s;
}
