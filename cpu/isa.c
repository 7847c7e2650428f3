/* isa.c: the ISA table expanded into data, and the one decoder. */
#include "isa_info.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cpu.h"

const isa_info isa_table[256] = {
#define ISA_ROW(NAME, mn, opc, fmt, cls, ops, meaning) \
  [opc] = {mn, opc, FMT_##fmt, CLASS_##cls, ops, meaning},
    ISA_TABLE(ISA_ROW)
#undef ISA_ROW
};

/* Mnemonic to row: a hash table made from isa_table on the first lookup
 * (the assembler looks up every line's mnemonic; comparing it with each of
 * the 256 rows was a fifth of its time).  Open addressing, twice as many
 * slots as rows, so that a probe ends at an empty slot. */
#define MN_SLOTS 512
static uint16_t mn_slot[MN_SLOTS]; /* opcode + 1, or 0: empty */

static uint32_t mn_hash(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a */
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

const isa_info *isa_lookup(const char *mnemonic) {
  static bool made;
  if (!made) {
    for (int i = 0; i < 256; i++) {
      if (!isa_table[i].name) continue;
      uint32_t k = mn_hash(isa_table[i].name) % MN_SLOTS;
      while (mn_slot[k]) k = (k + 1) % MN_SLOTS;
      mn_slot[k] = (uint16_t)(i + 1);
    }
    made = true;
  }
  for (uint32_t k = mn_hash(mnemonic) % MN_SLOTS; mn_slot[k]; k = (k + 1) % MN_SLOTS)
    if (strcmp(isa_table[mn_slot[k] - 1].name, mnemonic) == 0) return &isa_table[mn_slot[k] - 1];
  return NULL;
}

/* What the decoder needs of each opcode, made at compile time from the
 * tables, since it needs it for every word it decodes:
 *   set   the operand letters, bit (letter - 'a'), read off the operand
 *         string, whose letters sit at positions 0, 2 and 4 ("d,s,t";
 *         OPS_CH reads past a short string's end as 0)
 *   zero  the bits that must be zero: every bit below the opcode that no
 *         operand's field covers
 *   imm   how the immediate reads, from its operand's form: sign-extended
 *         (imm, offsets), zero-extended (uimm, control-register and port
 *         numbers), or a signed word offset (branch targets)
 * A letter's fields and immediate come from OPERAND_TABLE expanded as a
 * chain of (ch == letter ? value : ...), which the compiler folds. */
#define OPND(letter) (1u << ((letter) - 'a'))
#define OPS_CH(s, i) (sizeof(s) > (i) ? (s)[(i) < sizeof(s) ? (i) : 0] : 0)
#define OPS_BIT(ch) ((ch) >= 'a' && (ch) <= 'z' ? 1u << (((ch) - 'a') & 31) : 0u)
#define OPS_SET(s) (OPS_BIT(OPS_CH(s, 0)) | OPS_BIT(OPS_CH(s, 2)) | OPS_BIT(OPS_CH(s, 4)))
enum { IMM_NONE, IMM_JUMP, IMM_SIGNED, IMM_UNSIGNED };
#define IMM_READ(imm, form) \
  ((imm) == FIELD_NONE ? IMM_NONE : (form) == FORM_TARGET ? IMM_JUMP : ISA_FORM_SIGNED(form) ? IMM_SIGNED : IMM_UNSIGNED)
#define LETTER_FIELDS(l, reg, imm, form, w, n, m, ch) (ch) == (l) ? (uint32_t)(FIELD_##reg | FIELD_##imm) :
#define LETTER_IMM(l, reg, imm, form, w, n, m, ch) (ch) == (l) ? IMM_READ(FIELD_##imm, FORM_##form) :
#define FIELDS_OF(ch) (OPERAND_TABLE(LETTER_FIELDS, ch) 0u)
#define IMM_OF(ch) (OPERAND_TABLE(LETTER_IMM, ch) IMM_NONE)
#define OPS_FIELDS(s) (FIELDS_OF(OPS_CH(s, 0)) | FIELDS_OF(OPS_CH(s, 2)) | FIELDS_OF(OPS_CH(s, 4)))
#define OPS_IMM(s) (IMM_OF(OPS_CH(s, 0)) | IMM_OF(OPS_CH(s, 2)) | IMM_OF(OPS_CH(s, 4)))
static const struct {
  uint32_t set, zero;
  uint8_t imm;
} decode_rows[256] = {
#define ISA_DECODE_ROW(NAME, mn, opc, fmt, cls, ops, meaning) \
  [opc] = {OPS_SET(ops), 0xffffffu & ~OPS_FIELDS(ops), OPS_IMM(ops)},
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

/* ---- operand kinds ---- */

static const isa_operand operand_kinds[] = {
#define OPERAND_ROW(l, reg, imm, form, word, noun, meaning, a) \
  {l, FIELD_##reg, FIELD_##imm, FORM_##form, word, noun, meaning},
    OPERAND_TABLE(OPERAND_ROW, 0)
#undef OPERAND_ROW
};

const isa_operand *isa_operand_kind(char letter) {
  for (size_t i = 0; i < sizeof operand_kinds / sizeof operand_kinds[0]; i++)
    if (operand_kinds[i].letter == letter) return &operand_kinds[i];
  return NULL;
}

void isa_operand_range(const isa_operand *k, int64_t *lo, int64_t *hi) {
  int64_t top = (int64_t)isa_field_get(k->imm, k->imm); /* all ones: 0xffff for imm16 */
  *lo = ISA_FORM_SIGNED(k->form) ? -(top + 1) / 2 : 0;
  *hi = ISA_FORM_SIGNED(k->form) ? top / 2 : top;
}

const char *isa_field_name(uint32_t field) {
#define FIELD_NAME(NAME, s, mask) \
  if (field == FIELD_##NAME) return s;
  FIELD_TABLE(FIELD_NAME)
#undef FIELD_NAME
  return NULL;
}

/* ---- registers ---- */

static const char *const reg_numbered[NREGS] = {"r0", "r1", "r2",  "r3",  "r4",  "r5",  "r6",  "r7",
                                                "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const reg_names[NREGS] = {
#define REG_NAME(NAME, n, s, addr, m) [n] = s,
    REG_TABLE(REG_NAME)
#undef REG_NAME
};
static const bool reg_addr[NREGS] = {
#define REG_ADDR(NAME, n, s, addr, m) [n] = addr,
    REG_TABLE(REG_ADDR)
#undef REG_ADDR
};

const char *isa_reg_numbered(unsigned r) { return r < NREGS ? reg_numbered[r] : "?"; }

const char *isa_reg_name(unsigned r) {
  return r >= NREGS ? "?" : reg_names[r] ? reg_names[r] : reg_numbered[r];
}

const char *isa_reg_alias(unsigned r) { return r < NREGS ? reg_names[r] : NULL; }

bool isa_reg_addr(unsigned r) { return r < NREGS && reg_addr[r]; }

int isa_reg_number(const char *name, bool any_case) {
  /* rN: no leading zero (r0 yes, r01 no), at most two digits; no alias
   * has that form (isa_suite checks), so it is tried first: it is what
   * most operands are, and the aliases take a compare each. */
  if ((name[0] != 'r' && !(any_case && name[0] == 'R')) || !isdigit((unsigned char)name[1])) {
    int (*cmp)(const char *, const char *) = any_case ? strcasecmp : strcmp;
    for (int i = 0; i < NREGS; i++)
      if (reg_names[i] && cmp(name, reg_names[i]) == 0) return i;
    return -1;
  }
  if (name[1] == '0' && name[2]) return -1;
  int n = 0;
  for (const char *p = name + 1; *p; p++) {
    if (!isdigit((unsigned char)*p) || p - name > 2) return -1;
    n = n * 10 + (*p - '0');
  }
  return n < NREGS ? n : -1;
}
