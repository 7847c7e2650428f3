/* asmtest.h: helpers for the assembler, image and disassembler suites.
 *
 *   image img;
 *   const char *msgs;
 *   ck_assert_int_eq(as("t.s", "nop\n", &img, &msgs), 0);
 *   ck_assert_uint_eq(word_at(&img, 0), 0x10000000);
 *
 * as() keeps the messages of the last run in a buffer of the test's own
 * process (Check forks a process per test), so a test compares them with
 * the exact text it expects.
 */
#ifndef ASMTEST_H
#define ASMTEST_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "image.h"

/* Assemble src as file `name`; msgs gets every diagnostic ("" if none). */
static inline int as_opt(const char *name, const char *src, const char *const *defs, int ndefs,
                         image *img, const char **msgs) {
  static asm_diag diag;
  asm_diag_free(&diag);
  memset(&diag, 0, sizeof diag);
  static const char *const dirs[] = {"tests/assembler/asm/inc"};
  asm_options opt = {.include_dirs = dirs, .ninclude = 1, .defines = defs, .ndefines = ndefs, .listing = NULL};
  int r = asm_assemble(&opt, name, src, strlen(src), img, &diag);
  if (msgs) *msgs = diag.text ? diag.text : "";
  return r;
}

static inline int as(const char *name, const char *src, image *img, const char **msgs) {
  return as_opt(name, src, NULL, 0, img, msgs);
}

/* The loaded byte at addr, or -1 if no segment holds it. */
static inline int byte_at(const image *img, uint32_t addr) {
  const image_seg *s = image_seg_at(img, addr);
  return s ? s->data[addr - s->addr] : -1;
}

static inline uint32_t word_at(const image *img, uint32_t addr) {
  uint32_t w = 0;
  for (int i = 3; i >= 0; i--) {
    int b = byte_at(img, addr + (uint32_t)i);
    ck_assert_msg(b >= 0, "no byte at 0x%x", addr + (uint32_t)i);
    w = w << 8 | (uint32_t)b;
  }
  return w;
}

/* Total loaded bytes. */
static inline uint32_t image_bytes(const image *img) {
  uint32_t n = 0;
  for (int i = 0; i < img->nsegs; i++) n += img->segs[i].size;
  return n;
}

/* Do two images load the same bytes at the same addresses? */
static inline bool same_memory(const image *a, const image *b) {
  if (image_bytes(a) != image_bytes(b)) return false;
  for (int i = 0; i < a->nsegs; i++)
    for (uint32_t k = 0; k < a->segs[i].size; k++)
      if (byte_at(b, a->segs[i].addr + k) != a->segs[i].data[k]) return false;
  return true;
}

/* Assemble a one-word program and return the word (must succeed). */
static inline uint32_t as_word(const char *src) {
  image img;
  const char *msgs;
  int r = as("t.s", src, &img, &msgs);
  ck_assert_msg(r == 0, "assembling '%s' failed:\n%s", src, msgs);
  ck_assert_uint_eq(image_bytes(&img), 4);
  uint32_t w = word_at(&img, img.segs[0].addr);
  image_free(&img);
  return w;
}

/* Deterministic pseudo-random numbers (xorshift32), for reproducible tests. */
static inline uint32_t rnd(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

#endif
