/* test_isa.c: properties of the ISA table itself.
 *
 *  - No two instructions share an encoding: for every pair, some bit that
 *    both fix (opcode or must-be-zero field) differs.  Like Spike's overlap
 *    check; with one opcode byte per instruction it also catches a table
 *    row whose opcode was typed twice.
 *  - docs/isa.md is what `vasm --isa-doc` generates from the table now.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "isa_doc.h"
#include "isa_info.h"

/* The rows as written in isa.h, duplicates and all (isa_table, indexed by
 * opcode, would silently keep only the last of two rows with one opcode). */
static const struct {
  const char *name;
  unsigned opcode;
} rows[] = {
#define ROW(NAME, mn, opc, fmt, cls, ops, meaning) {mn, opc},
    ISA_TABLE(ROW)
#undef ROW
};
enum { NROWS = sizeof rows / sizeof rows[0] };

START_TEST(test_no_overlap) {
  int pairs = 0;
  for (int a = 0; a < NROWS; a++)
    for (int b = a + 1; b < NROWS; b++) {
      const isa_info *x = &isa_table[rows[a].opcode], *y = &isa_table[rows[b].opcode];
      uint32_t mx = (uint32_t)rows[a].opcode << 24, my = (uint32_t)rows[b].opcode << 24;
      ck_assert_msg(((mx ^ my) & isa_fixed_mask(x) & isa_fixed_mask(y)) != 0,
                    "%s and %s overlap", rows[a].name, rows[b].name);
      pairs++;
    }
  ck_assert_int_eq(pairs, NROWS * (NROWS - 1) / 2);
  ck_assert_int_gt(NROWS, 50);
}
END_TEST

/* Every row is what isa_lookup finds, and its words decode to it. */
START_TEST(test_rows_consistent) {
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = isa_lookup(rows[i].name);
    ck_assert_ptr_nonnull(in);
    ck_assert_uint_eq(in->opcode, rows[i].opcode);
    ck_assert_ptr_eq(in, &isa_table[rows[i].opcode]);
    dinsn d;
    ck_assert(isa_decode((uint32_t)rows[i].opcode << 24, &d));
    ck_assert_uint_eq(d.op, rows[i].opcode);
    /* The must-be-zero bits really are checked. */
    uint32_t zero = isa_zero_mask(in);
    if (zero) ck_assert(!isa_decode((uint32_t)rows[i].opcode << 24 | (zero & -zero), &d));
  }
}
END_TEST

/* The operand sets the decoder reads (made at compile time from fixed
 * positions of the operand strings) name exactly the letters each string
 * lists: a string written another way would be caught here. */
START_TEST(test_operand_sets) {
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = &isa_table[rows[i].opcode];
    bool listed[26] = {false};
    for (const char *p = in->ops; *p; p++)
      if (*p >= 'a' && *p <= 'z') listed[*p - 'a'] = true;
    for (char l = 'a'; l <= 'z'; l++)
      ck_assert_msg(isa_has_operand(in, l) == listed[l - 'a'], "%s: operand %c", in->name, l);
  }
}
END_TEST

START_TEST(test_isa_doc_in_sync) {
  char *gen;
  size_t genlen;
  FILE *f = open_memstream(&gen, &genlen);
  isa_doc_write(f);
  fclose(f);
  FILE *doc = fopen("docs/isa.md", "rb");
  ck_assert_msg(doc != NULL, "docs/isa.md missing: run bin/vasm --isa-doc > docs/isa.md");
  char *text = malloc(genlen + 2);
  size_t n = fread(text, 1, genlen + 1, doc);
  fclose(doc);
  ck_assert_msg(n == genlen && memcmp(text, gen, genlen) == 0,
                "docs/isa.md is stale: run make docs (bin/vasm --isa-doc > docs/isa.md)");
  /* And the generated text carries every mnemonic. */
  for (int i = 0; i < NROWS; i++) {
    char cell[32];
    snprintf(cell, sizeof cell, "| `%s", rows[i].name);
    ck_assert_msg(strstr(gen, cell), "%s missing from the ISA document", rows[i].name);
  }
  /* Popek and Goldberg as they wrote it: the three properties, privileged
   * as "traps in user mode and not in supervisor mode", Theorem 1 as a
   * sufficient condition, Theorem 3 for hybrid monitors. */
  ck_assert_ptr_nonnull(strstr(gen, "## Popek and Goldberg"));
  ck_assert_ptr_nonnull(strstr(gen, "**Equivalence**"));
  ck_assert_ptr_nonnull(strstr(gen, "**Resource control**"));
  ck_assert_ptr_nonnull(strstr(gen, "**Efficiency**"));
  ck_assert_ptr_nonnull(strstr(gen, "does **not** trap in\n  supervisor mode"));
  ck_assert_ptr_nonnull(strstr(gen, "**sufficient, not necessary**"));
  ck_assert_ptr_nonnull(strstr(gen, "**Theorem 3.**"));
  ck_assert_ptr_null(strstr(gen, " iff "));
  free(text);
  free(gen);
}
END_TEST

Suite *isa_suite(void) {
  Suite *s = suite_create("isa");
  TCase *tc = tcase_create("table");
  tcase_add_test(tc, test_no_overlap);
  tcase_add_test(tc, test_rows_consistent);
  tcase_add_test(tc, test_operand_sets);
  tcase_add_test(tc, test_isa_doc_in_sync);
  suite_add_tcase(s, tc);
  return s;
}
