/* isa_info.h: the ISA table as data, for every reader that needs more than
 * the opcode enum: decoder, assembler, disassembler, docs, classifier. */
#ifndef ISA_INFO_H
#define ISA_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "isa.h"

typedef struct isa_info {
  const char *name;    /* mnemonic; NULL for an unassigned opcode */
  uint8_t opcode;
  uint8_t fmt;         /* enum isa_format */
  uint8_t cls;         /* enum isa_class */
  const char *ops;     /* operand letters, see isa.h */
  const char *meaning; /* one line, register-transfer notation */
} isa_info;

struct dinsn;

/* Indexed by opcode byte. */
extern const isa_info isa_table[256];

/* Look an instruction up by mnemonic; NULL if there is none. */
const isa_info *isa_lookup(const char *mnemonic);
/* Bits of the word that must be zero for this instruction: unnamed register
 * fields and, for R format, the low 12 bits. */
uint32_t isa_zero_mask(const isa_info *in);
/* Bits that identify the instruction: the opcode byte plus the zero mask. */
uint32_t isa_fixed_mask(const isa_info *in);
/* Decode one word.  Returns false (and d->op = OP_ILLEGAL) if the opcode is
 * unassigned or a must-be-zero field is not zero. */
bool isa_decode(uint32_t word, struct dinsn *d);
/* Does this operand string name the letter? */
bool isa_has_operand(const isa_info *in, char letter);
const char *isa_class_name(int cls);
const char *isa_format_name(int fmt);
/* Control register by number or name; -1 / NULL when unknown. */
int isa_cr_number(const char *name);
const char *isa_cr_name(uint32_t n);

/* One row of OPERAND_TABLE (isa.h). */
typedef struct isa_operand {
  char letter;
  uint32_t reg, imm;   /* the fields it fills (enum isa_field; FIELD_NONE: none) */
  uint8_t form;        /* enum isa_form */
  const char *word;    /* "rd", "offset(rs)": usage lines and docs */
  const char *noun;    /* "immediate": assembler errors */
  const char *meaning; /* one line, for docs */
} isa_operand;

/* The kind of an operand letter; NULL if the letter is none. */
const isa_operand *isa_operand_kind(char letter);
/* The values its immediate field holds: lo..hi as the decoder reads them
 * (-32768..32767 for a signed imm16, 0..65535 unsigned; in words for a
 * branch target). */
void isa_operand_range(const isa_operand *k, int64_t *lo, int64_t *hi);
/* A field's name in FIELD_TABLE ("rs1"); NULL for anything else. */
const char *isa_field_name(uint32_t field);

/* Registers (REG_TABLE in isa.h); "?" or NULL past r15. */
const char *isa_reg_name(unsigned r);     /* its name if it has one, else rN: "zero", "r1", "sp" */
const char *isa_reg_numbered(unsigned r); /* always rN */
const char *isa_reg_alias(unsigned r);    /* its name, or NULL */
bool isa_reg_addr(unsigned r);            /* holds an address by convention (fp, sp, lr) */
/* The register a name means: r0..r15 (no leading zero) or a name of
 * REG_TABLE, in any case if any_case; -1 if none. */
int isa_reg_number(const char *name, bool any_case);

#endif
