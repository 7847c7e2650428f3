/* test_asm_enc.c: every opcode of the ISA table assembles to the word
 * computed here from the field layout alone, and decodes back.
 *
 * For each table entry, a line is built from its operand letters with
 * random operands (seeded, so every run checks the same lines), e.g.
 * "lw r7, -1234(r3)", and the word is compared with
 * opcode<<24 | rd<<20 | rs1<<16 | ... as isa.h draws it. */
#include <check.h>
#include <stdio.h>

#include "asmtest.h"
#include "cpu.h"
#include "isa_info.h"

enum { TRIALS = 24, PC = 0x2000000 }; /* PC: far enough up that every imm24 target is >= 0 */

START_TEST(test_every_opcode_encodes) {
  uint32_t seed = 0x5eed;
  int checked = 0;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name) continue;
    for (int trial = 0; trial < TRIALS; trial++) {
      char line[128];
      int n = snprintf(line, sizeof line, ".org 0x%x\n%s ", PC, in->name);
      uint32_t want = (uint32_t)op << 24;
      dinsn exp = {(uint8_t)op, 0, 0, 0, 0};
      const char *sep = "";
      for (const char *p = in->ops; *p; p++) {
        if (*p == ',') continue;
        n += snprintf(line + n, sizeof line - (size_t)n, "%s", sep);
        sep = ", ";
        uint32_t r = rnd(&seed) % 16;
        int32_t simm = (int32_t)(rnd(&seed) % 65536) - 32768;
        uint32_t uimm = rnd(&seed) % 65536;
        switch (*p) {
        case 'd': n += snprintf(line + n, sizeof line - (size_t)n, "r%u", r); want |= r << 20; exp.rd = (uint8_t)r; break;
        case 's': n += snprintf(line + n, sizeof line - (size_t)n, "r%u", r); want |= r << 16; exp.rs1 = (uint8_t)r; break;
        case 't': n += snprintf(line + n, sizeof line - (size_t)n, "r%u", r); want |= r << 12; exp.rs2 = (uint8_t)r; break;
        case 'i':
          n += snprintf(line + n, sizeof line - (size_t)n, "%d", simm);
          want |= (uint32_t)simm & 0xffff;
          exp.imm = (uint32_t)simm;
          break;
        case 'u':
        case 'p':
          n += snprintf(line + n, sizeof line - (size_t)n, "0x%x", uimm);
          want |= uimm;
          exp.imm = uimm;
          break;
        case 'm':
          n += snprintf(line + n, sizeof line - (size_t)n, "%d(r%u)", simm, r);
          want |= r << 16 | ((uint32_t)simm & 0xffff);
          exp.rs1 = (uint8_t)r;
          exp.imm = (uint32_t)simm;
          break;
        case 'c': {
          uint32_t cr = trial % 2 ? uimm : uimm % NCR; /* by name, or any number */
          if (trial % 2 == 0)
            n += snprintf(line + n, sizeof line - (size_t)n, "%s", isa_cr_name(cr));
          else
            n += snprintf(line + n, sizeof line - (size_t)n, "%u", cr);
          want |= cr;
          exp.imm = cr;
          break;
        }
        case 'j': {
          int32_t words = (int32_t)(rnd(&seed) % 0x1000000) - 0x800000;
          n += snprintf(line + n, sizeof line - (size_t)n, "0x%x", PC + 4 * words);
          want |= (uint32_t)words & 0xffffff;
          exp.imm = (uint32_t)(words * 4);
          break;
        }
        default: ck_abort_msg("operand letter '%c' of %s not covered", *p, in->name);
        }
      }
      image img;
      const char *msgs;
      ck_assert_msg(as("t.s", line, &img, &msgs) == 0, "%s\n%s", line, msgs);
      uint32_t w = word_at(&img, PC);
      ck_assert_msg(w == want, "%s: 0x%08x, expected 0x%08x", line, w, want);
      image_free(&img);
      /* The word is legal and decodes to the same fields. */
      dinsn d;
      ck_assert_msg(isa_decode(w, &d), "%s: 0x%08x does not decode", line, w);
      /* Fields the instruction does not name are not compared: the decoder
       * fills them from the raw bits, which the zero mask forces to 0 for R
       * but an I word's imm16 overlaps rs2. */
      bool named_d = strchr(in->ops, 'd'), named_s = strchr(in->ops, 's') || strchr(in->ops, 'm');
      bool named_t = strchr(in->ops, 't');
      ck_assert_msg(d.op == exp.op && (!named_d || d.rd == exp.rd) &&
                        (!named_s || d.rs1 == exp.rs1) && (!named_t || d.rs2 == exp.rs2) &&
                        d.imm == exp.imm,
                    "%s: decodes to op %u rd %u rs1 %u rs2 %u imm 0x%x", line, d.op, d.rd, d.rs1,
                    d.rs2, d.imm);
      checked++;
    }
  }
  ck_assert_int_gt(checked, 50 * TRIALS); /* the table has more than 50 instructions */
}
END_TEST

/* Mnemonics are case-insensitive; a name is never half-recognized. */
START_TEST(test_mnemonic_case) {
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->ops[0]) continue; /* the no-operand ones */
    char up[32];
    size_t k = 0;
    for (; in->name[k] && k < sizeof up - 1; k++) up[k] = (char)(in->name[k] - 32 * (k % 2 == 0));
    up[k] = 0;
    ck_assert_uint_eq(as_word(up), (uint32_t)op << 24);
  }
}
END_TEST

TCase *asm_encoding_tcase(void) {
  TCase *tc = tcase_create("encoding");
  tcase_add_test(tc, test_every_opcode_encodes);
  tcase_add_test(tc, test_mnemonic_case);
  return tc;
}
