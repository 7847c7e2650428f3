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

#endif
