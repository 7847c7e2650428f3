/* test_isa.c: the ISA table against the parts that read it.
 *
 *  - Each row's operands fit its format: every letter is an operand kind,
 *    no two operands fill the same bits, and the fields they fill are the
 *    format's as the diagram in isa.h draws it (an I row names an imm16, a
 *    J row an imm24, an R row no immediate).
 *  - The decoder agrees with the row: a word with any bit set outside the
 *    fields the operands fill is refused, a word with any bit set inside
 *    them is accepted, and random values in every named field come back
 *    out of the decoded instruction unchanged.
 *  - The assembler agrees with the row: the row written out with chosen
 *    and random operands assembles to the word the operand kinds give,
 *    which decodes to those operands, disassembles, and reassembles to
 *    the same word.
 *  - docs/isa.md is what `vasm --isa-doc` generates from the tables now.
 *
 * (With one opcode byte per instruction two rows cannot overlap; a row
 * whose opcode is typed twice is a compile error, two designated
 * initializers of isa_table.)
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "cpu.h"
#include "disasm.h"
#include "isa_doc.h"
#include "isa_info.h"

/* The rows as written in isa.h. */
static const struct {
  const char *name;
  unsigned opcode;
} rows[] = {
#define ROW(NAME, mn, opc, fmt, cls, ops, meaning) {mn, opc},
    ISA_TABLE(ROW)
#undef ROW
};
enum { NROWS = sizeof rows / sizeof rows[0] };

/* The fields of each format, as the diagram at the top of isa.h draws
 * them; an R word's low 12 bits belong to none. */
static uint32_t format_fields(int fmt) {
  switch (fmt) {
  case FMT_R: return FIELD_RD | FIELD_RS1 | FIELD_RS2;
  case FMT_I: return FIELD_RD | FIELD_RS1 | FIELD_IMM16;
  case FMT_J: return FIELD_IMM24;
  }
  ck_abort_msg("format %d", fmt);
  return 0;
}
static uint32_t format_imm(int fmt) { return fmt == FMT_I ? FIELD_IMM16 : fmt == FMT_J ? FIELD_IMM24 : 0; }

/* The operand kinds of a row, in order; their number. */
static int kinds_of(const isa_info *in, const isa_operand **k) {
  int n = 0;
  for (const char *p = in->ops; *p; p++)
    if (*p != ',') {
      ck_assert_msg(n < 3, "%s: more than three operands", in->name);
      k[n] = isa_operand_kind(*p);
      ck_assert_msg(k[n] != NULL, "%s: '%c' is not an operand kind", in->name, *p);
      n++;
    }
  return n;
}

/* The bits a row's operands fill: the complement of its must-be-zero mask. */
static uint32_t named_fields(const isa_info *in) {
  const isa_operand *k[3];
  uint32_t f = 0;
  for (int i = 0, n = kinds_of(in, k); i < n; i++) f |= k[i]->reg | k[i]->imm;
  return f;
}

/* ---- the rows and their formats ---- */

START_TEST(test_rows_fit_formats) {
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = &isa_table[rows[i].opcode];
    const isa_operand *k[3];
    int n = kinds_of(in, k);
    uint32_t seen = 0, imm = 0;
    for (int j = 0; j < n; j++) {
      ck_assert_msg(((k[j]->reg | k[j]->imm) & seen) == 0, "%s: operand %d fills bits another one fills",
                    in->name, j + 1);
      ck_assert_msg(k[j]->reg || k[j]->imm, "%s: operand %c fills nothing", in->name, k[j]->letter);
      seen |= k[j]->reg | k[j]->imm;
      imm |= k[j]->imm;
    }
    ck_assert_msg((seen & ~format_fields(in->fmt)) == 0, "%s: operands fill 0x%06x, outside format %s", in->name,
                  seen & ~format_fields(in->fmt), isa_format_name(in->fmt));
    ck_assert_msg(imm == format_imm(in->fmt), "%s: immediate field 0x%x, but format %s has 0x%x", in->name, imm,
                  isa_format_name(in->fmt), format_imm(in->fmt));
  }
  ck_assert_int_gt(NROWS, 50);
}
END_TEST

/* Every row is what isa_lookup finds, under its own opcode. */
START_TEST(test_rows_consistent) {
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = isa_lookup(rows[i].name);
    ck_assert_ptr_nonnull(in);
    ck_assert_uint_eq(in->opcode, rows[i].opcode);
    ck_assert_ptr_eq(in, &isa_table[rows[i].opcode]);
  }
  /* ... and nothing else: near misses of every row, other cases, empty */
  for (int i = 0; i < NROWS; i++) {
    char name[32];
    snprintf(name, sizeof name, "%sx", rows[i].name);
    ck_assert_ptr_null(isa_lookup(name));
    snprintf(name, sizeof name, "%.*s", (int)strlen(rows[i].name) - 1, rows[i].name);
    const isa_info *in = isa_lookup(name);
    ck_assert(in == NULL || strcmp(in->name, name) == 0);
    snprintf(name, sizeof name, "%s", rows[i].name);
    name[0] = (char)toupper((unsigned char)name[0]);
    ck_assert_ptr_null(isa_lookup(name));
  }
  ck_assert_ptr_null(isa_lookup(""));
}
END_TEST

/* Register names: every alias and every rN, in either case where asked;
 * no alias has the rN form (isa_reg_number tries that form first). */
START_TEST(test_register_names) {
  for (unsigned r = 0; r < NREGS; r++) {
    ck_assert_int_eq(isa_reg_number(isa_reg_numbered(r), false), (int)r);
    const char *alias = isa_reg_alias(r);
    if (!alias) continue;
    ck_assert_int_eq(isa_reg_number(alias, false), (int)r);
    ck_assert_msg(!(alias[0] == 'r' && isdigit((unsigned char)alias[1])), "alias %s has the rN form", alias);
    ck_assert_msg(strlen(alias) < 16, "alias %s is longer than the assembler's buffer (asm_insn.c parse_reg)", alias);
    char up[16];
    snprintf(up, sizeof up, "%s", alias);
    for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
    ck_assert_int_eq(isa_reg_number(up, true), (int)r);
    ck_assert_int_eq(isa_reg_number(up, false), -1);
  }
  ck_assert_int_eq(isa_reg_number("R5", true), 5);
  ck_assert_int_eq(isa_reg_number("R5", false), -1);
  ck_assert_int_eq(isa_reg_number("r01", false), -1);
  ck_assert_int_eq(isa_reg_number("r123", false), -1);
  ck_assert_int_eq(isa_reg_number("r", false), -1);
  ck_assert_int_eq(isa_reg_number("r1x", false), -1);
  char big[8];
  snprintf(big, sizeof big, "r%d", NREGS);
  ck_assert_int_eq(isa_reg_number(big, false), -1);
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

/* ---- the decoder ---- */

/* A register field's value as the decoder hands it out. */
static uint32_t decoded_reg(const dinsn *d, uint32_t field) {
  switch (field) {
  case FIELD_RD: return d->rd;
  case FIELD_RS1: return d->rs1;
  case FIELD_RS2: return d->rs2;
  }
  ck_abort_msg("register field 0x%x", field);
  return 0;
}

/* What the decoder makes of v in an immediate field, as isa.h's forms
 * say: a signed number, a memory offset and a branch target (in words,
 * times 4) sign-extended, the others zero-extended. */
static uint32_t decoded_imm(const isa_operand *k, uint32_t v) {
  bool sign_extended = k->form == FORM_SIGNED || k->form == FORM_MEM || k->form == FORM_TARGET;
  uint32_t top = isa_field_get(k->imm, k->imm), sign = (top >> 1) + 1;
  uint32_t x = sign_extended ? ((v & top) ^ sign) - sign : v & top;
  return k->form == FORM_TARGET ? x * 4 : x;
}

/* Does the decoded word hold these operand values?  regs[j] and imms[j]
 * are operand j's register and raw immediate field. */
static void check_decoded(const char *what, const isa_info *in, uint32_t w, const uint32_t *regs,
                          const uint32_t *imms) {
  dinsn d;
  ck_assert_msg(isa_decode(w, &d), "%s: 0x%08x does not decode", what, w);
  ck_assert_msg(d.op == in->opcode, "%s: 0x%08x decodes to opcode 0x%02x", what, w, d.op);
  const isa_operand *k[3];
  for (int j = 0, n = kinds_of(in, k); j < n; j++) {
    if (k[j]->reg)
      ck_assert_msg(decoded_reg(&d, k[j]->reg) == regs[j], "%s: 0x%08x: operand %d decodes to r%u, not r%u", what,
                    w, j + 1, decoded_reg(&d, k[j]->reg), regs[j]);
    if (k[j]->imm)
      ck_assert_msg(d.imm == decoded_imm(k[j], imms[j]), "%s: 0x%08x: operand %d decodes to 0x%x, not 0x%x", what,
                    w, j + 1, d.imm, decoded_imm(k[j], imms[j]));
  }
}

/* The must-be-zero mask is exactly the bits no operand fills, and the
 * decoder refuses each of them and accepts each of the others. */
START_TEST(test_decoder_mask) {
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = &isa_table[rows[i].opcode];
    uint32_t zero = 0xffffffu & ~named_fields(in), op = (uint32_t)in->opcode << 24;
    ck_assert_msg(isa_zero_mask(in) == zero, "%s: the decoder's must-be-zero mask is 0x%06x, the operands leave 0x%06x",
                  in->name, isa_zero_mask(in), zero);
    dinsn d;
    ck_assert_msg(isa_decode(op, &d), "%s: opcode alone does not decode", in->name);
    for (int bit = 0; bit < 24; bit++) {
      bool must_be_zero = zero >> bit & 1;
      ck_assert_msg(isa_decode(op | 1u << bit, &d) == !must_be_zero, "%s: bit %d alone: %s", in->name, bit,
                    must_be_zero ? "accepted, but no operand fills it" : "refused, but an operand fills it");
      if (must_be_zero) ck_assert_uint_eq(d.op, OP_ILLEGAL);
    }
  }
}
END_TEST

/* Random values in every field a row names come back out of the decoder,
 * and with one must-be-zero bit more the word is refused. */
START_TEST(test_decoder_fields) {
  uint32_t seed = 0xdec0de;
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = &isa_table[rows[i].opcode];
    const isa_operand *k[3];
    int n = kinds_of(in, k);
    uint32_t zero = isa_zero_mask(in);
    for (int trial = 0; trial < 64; trial++) {
      uint32_t w = (uint32_t)in->opcode << 24, regs[3] = {0}, imms[3] = {0};
      for (int j = 0; j < n; j++) {
        regs[j] = isa_field_get(rnd(&seed), k[j]->reg);
        imms[j] = trial == 0 ? isa_field_get(~0u, k[j]->imm) : isa_field_get(rnd(&seed), k[j]->imm);
        w |= ISA_FIELD_PUT(k[j]->reg, regs[j]) | ISA_FIELD_PUT(k[j]->imm, imms[j]);
      }
      check_decoded(in->name, in, w, regs, imms);
      if (zero) {
        uint32_t bits = zero & rnd(&seed);
        uint32_t bit = bits ? bits & -bits : zero & -zero;
        dinsn d;
        ck_assert_msg(!isa_decode(w | bit, &d), "%s: 0x%08x accepted with must-be-zero bit 0x%x", in->name, w | bit,
                      bit);
      }
    }
  }
}
END_TEST

/* ---- the assembler and the disassembler ---- */

enum { PC = 0x2000000 }; /* far enough up that every imm24 target is >= 0 */

/* Append one operand of kind k, value reg (a register) and imm (the raw
 * immediate field), in one of the ways the assembler accepts. */
static int write_operand(char *s, size_t cap, const isa_operand *k, uint32_t reg, uint32_t imm, uint32_t how) {
  char name[8];
  snprintf(name, sizeof name, "%s", how % 3 == 0 ? isa_reg_numbered(reg) : isa_reg_name(reg));
  if (how % 3 == 2) /* any case */
    for (char *p = name; *p; p++) *p = (char)toupper((unsigned char)*p);
  int64_t lo, hi;
  if (k->imm) isa_operand_range(k, &lo, &hi);
  int64_t v = k->imm && ISA_FORM_SIGNED(k->form) && imm > (uint64_t)hi ? (int64_t)imm - 2 * (hi + 1) : imm;
  switch (k->form) {
  case FORM_REG: return snprintf(s, cap, "%s", name);
  case FORM_SIGNED: return snprintf(s, cap, "%lld", (long long)v);
  case FORM_UNSIGNED: /* also as the negative number with the same low bits */
    if (how % 4 == 3 && v >= (hi + 1) / 2) return snprintf(s, cap, "%lld", (long long)(v - hi - 1));
    return snprintf(s, cap, how % 2 ? "0x%llx" : "%lld", (long long)v);
  case FORM_PORT: return snprintf(s, cap, how % 2 ? "0x%llx" : "%lld", (long long)v);
  case FORM_MEM: return snprintf(s, cap, "%lld(%s)", (long long)v, name);
  case FORM_TARGET: return snprintf(s, cap, "0x%x", (uint32_t)(PC + 4 * v));
  case FORM_CREG:
    if (how % 2 && isa_cr_name(imm)) return snprintf(s, cap, "%s", isa_cr_name(imm));
    return snprintf(s, cap, "%u", imm);
  }
  ck_abort_msg("form %d", k->form);
  return 0;
}

static uint32_t assemble_at_pc(const char *line) {
  char src[200];
  snprintf(src, sizeof src, ".org 0x%x\n%s\n", PC, line);
  image img;
  const char *msgs;
  ck_assert_msg(as("t.s", src, &img, &msgs) == 0, "%s\n%s", line, msgs);
  uint32_t w = word_at(&img, PC);
  image_free(&img);
  return w;
}

/* Values at the ends of each field's range, then random ones. */
static uint32_t pick(const isa_operand *k, uint32_t field, int trial, uint32_t *seed) {
  uint32_t top = isa_field_get(field, field);
  if (field == k->imm && k->form == FORM_CREG && trial % 2) return rnd(seed) % NCR; /* one with a name */
  switch (trial) {
  case 0: return 0;
  case 1: return top;              /* -1 if signed */
  case 2: return top >> 1;         /* the largest positive */
  case 3: return (top >> 1) + 1;   /* the most negative */
  default: return rnd(seed) & top;
  }
}

START_TEST(test_assembler_agrees) {
  uint32_t seed = 0x5eed;
  int checked = 0;
  for (int i = 0; i < NROWS; i++) {
    const isa_info *in = &isa_table[rows[i].opcode];
    const isa_operand *k[3];
    int n = kinds_of(in, k);
    for (int trial = 0; trial < 24; trial++) {
      char line[128];
      int len = snprintf(line, sizeof line, "%s", in->name);
      uint32_t want = (uint32_t)in->opcode << 24, regs[3] = {0}, imms[3] = {0};
      for (int j = 0; j < n; j++) {
        regs[j] = pick(k[j], k[j]->reg, trial, &seed);
        imms[j] = pick(k[j], k[j]->imm, trial, &seed);
        want |= ISA_FIELD_PUT(k[j]->reg, regs[j]) | ISA_FIELD_PUT(k[j]->imm, imms[j]);
        len += snprintf(line + len, sizeof line - (size_t)len, "%s", j ? ", " : " ");
        len += write_operand(line + len, sizeof line - (size_t)len, k[j], regs[j], imms[j], rnd(&seed));
      }
      uint32_t w = assemble_at_pc(line);
      ck_assert_msg(w == want, "%s: 0x%08x, the operand kinds give 0x%08x", line, w, want);
      check_decoded(line, in, w, regs, imms);
      char text[128];
      ck_assert_int_eq(dis_insn_ex(w, PC, NULL, DIS_REASM, text, sizeof text), 1);
      uint32_t back = assemble_at_pc(text);
      ck_assert_msg(back == w, "%s: 0x%08x disassembles to '%s', which assembles to 0x%08x", line, w, text, back);
      checked++;
    }
  }
  ck_assert_int_eq(checked, NROWS * 24);
}
END_TEST

/* ---- the document ---- */

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
  /* And the generated text carries every mnemonic, operand and register name. */
  char cell[32];
  for (int i = 0; i < NROWS; i++) {
    snprintf(cell, sizeof cell, "| `%s", rows[i].name);
    ck_assert_msg(strstr(gen, cell), "%s missing from the ISA document", rows[i].name);
  }
  static const char letters[] = {
#define LETTER(l, reg, imm, form, word, noun, meaning, a) l,
      OPERAND_TABLE(LETTER, 0)
#undef LETTER
  };
  for (size_t i = 0; i < sizeof letters; i++) {
    snprintf(cell, sizeof cell, "| `%s` | `%c` |", isa_operand_kind(letters[i])->word, letters[i]);
    ck_assert_msg(strstr(gen, cell), "operand %c missing from the ISA document", letters[i]);
  }
  for (unsigned r = 0; r < NREGS; r++)
    if (isa_reg_alias(r)) {
      snprintf(cell, sizeof cell, "| `%s` | `%s` |", isa_reg_numbered(r), isa_reg_alias(r));
      ck_assert_msg(strstr(gen, cell), "register %s missing from the ISA document", isa_reg_alias(r));
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
  tcase_add_test(tc, test_rows_fit_formats);
  tcase_add_test(tc, test_rows_consistent);
  tcase_add_test(tc, test_register_names);
  tcase_add_test(tc, test_operand_sets);
  tcase_add_test(tc, test_decoder_mask);
  tcase_add_test(tc, test_decoder_fields);
  tcase_add_test(tc, test_assembler_agrees);
  tcase_add_test(tc, test_isa_doc_in_sync);
  suite_add_tcase(s, tc);
  return s;
}
