/* isa.c: the ISA table expanded into data, and the one decoder. */
#include "isa_info.h"

#include <string.h>

#include "cpu.h"

const isa_info isa_table[256] = {
#define ISA_ROW(NAME, mn, opc, fmt, cls, ops, meaning) \
  [opc] = {mn, opc, FMT_##fmt, CLASS_##cls, ops, meaning},
    ISA_TABLE(ISA_ROW)
#undef ISA_ROW
};

const isa_info *isa_lookup(const char *mnemonic) {
  for (int i = 0; i < 256; i++)
    if (isa_table[i].name && strcmp(isa_table[i].name, mnemonic) == 0) return &isa_table[i];
  return NULL;
}

/* What the decoder needs of each opcode, made at compile time from the
 * table, since it needs it for every word it decodes:
 *   set   the operand letters, bit (letter - 'a'), read off the operand
 *         string, whose letters sit at positions 0, 2 and 4 ("d,s,t";
 *         OPS_CH reads past a short string's end as 0)
 *   zero  the bits that must be zero: register fields the instruction
 *         does not name (a memory operand names rs1 as its base), and an
 *         R word's low 12 bits
 *   imm   how the immediate reads: signed immediates and memory offsets
 *         are sign-extended; logical immediates, control-register and port
 *         numbers are not */
#define OPND(letter) (1u << ((letter) - 'a'))
#define OPS_CH(s, i) (sizeof(s) > (i) ? (s)[(i) < sizeof(s) ? (i) : 0] : 0)
#define OPS_BIT(ch) ((ch) >= 'a' && (ch) <= 'z' ? 1u << (((ch) - 'a') & 31) : 0u)
#define OPS_SET(s) (OPS_BIT(OPS_CH(s, 0)) | OPS_BIT(OPS_CH(s, 2)) | OPS_BIT(OPS_CH(s, 4)))
enum { IMM_NONE, IMM_JUMP, IMM_SIGNED, IMM_UNSIGNED };
#define ZERO_MASK(fmt, set)                                                                     \
  ((fmt) == FMT_J ? 0u                                                                          \
                  : (((set) & OPND('d')) ? 0u : 0xfu << 20) |                                   \
                        (((set) & (OPND('s') | OPND('m'))) ? 0u : 0xfu << 16) |                \
                        ((fmt) == FMT_R ? (((set) & OPND('t')) ? 0u : 0xfu << 12) | 0xfffu : 0u))
#define IMM_KIND(fmt, set)                        \
  ((fmt) == FMT_R   ? IMM_NONE                    \
   : (fmt) == FMT_J ? IMM_JUMP                    \
   : ((set) & (OPND('i') | OPND('m'))) ? IMM_SIGNED : IMM_UNSIGNED)
static const struct {
  uint32_t set, zero;
  uint8_t imm;
} decode_rows[256] = {
#define ISA_DECODE_ROW(NAME, mn, opc, fmt, cls, ops, meaning) \
  [opc] = {OPS_SET(ops), ZERO_MASK(FMT_##fmt, OPS_SET(ops)), IMM_KIND(FMT_##fmt, OPS_SET(ops))},
    ISA_TABLE(ISA_DECODE_ROW)
#undef ISA_DECODE_ROW
};

bool isa_has_operand(const isa_info *in, char letter) {
  return letter >= 'a' && letter <= 'z' && (decode_rows[in->opcode].set & OPND(letter));
}

uint32_t isa_zero_mask(const isa_info *in) { return decode_rows[in->opcode].zero; }

uint32_t isa_fixed_mask(const isa_info *in) { return 0xff000000u | isa_zero_mask(in); }

static uint32_t sext(uint32_t v, int bits) {
  uint32_t sign = 1u << (bits - 1);
  return (v ^ sign) - sign;
}

bool isa_decode(uint32_t w, dinsn *d) {
  uint32_t opc = ISA_OPCODE(w);
  d->op = OP_ILLEGAL;
  d->rd = d->rs1 = d->rs2 = 0;
  d->imm = w; /* an illegal instruction keeps its word for CR[badva] */
  if (!isa_table[opc].name || (w & decode_rows[opc].zero) != 0) return false;
  d->op = (uint8_t)opc;
  d->rd = ISA_RD(w);
  d->rs1 = ISA_RS1(w);
  d->rs2 = ISA_RS2(w);
  switch (decode_rows[opc].imm) {
  case IMM_NONE: d->imm = 0; break;
  case IMM_JUMP: d->imm = sext(ISA_IMM24(w), 24) << 2; break;
  case IMM_SIGNED: d->imm = sext(ISA_IMM16(w), 16); break;
  default: d->imm = ISA_IMM16(w); break;
  }
  return true;
}

const char *isa_class_name(int cls) {
  static const char *const names[] = {[CLASS_ORD] = "ordinary", [CLASS_PRIV] = "privileged",
                                      [CLASS_SPEC] = "special", [CLASS_TRAP] = "trap"};
  return cls >= 0 && cls <= CLASS_TRAP ? names[cls] : "?";
}

const char *isa_format_name(int fmt) {
  static const char *const names[] = {[FMT_R] = "R", [FMT_I] = "I", [FMT_J] = "J"};
  return fmt >= 0 && fmt <= FMT_J ? names[fmt] : "?";
}

static const char *const cr_names[NCR] = {
#define CR_NAME(name, s, n, m) [n] = s,
    CR_TABLE(CR_NAME)
#undef CR_NAME
};

int isa_cr_number(const char *name) {
  for (int i = 0; i < NCR; i++)
    if (strcmp(cr_names[i], name) == 0) return i;
  return -1;
}

const char *isa_cr_name(uint32_t n) { return n < NCR ? cr_names[n] : NULL; }
