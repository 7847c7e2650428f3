/* disasm.h: instruction words back to assembly text, from the ISA table.
 *
 * Conventions, by operand form (isa.h; the assembler accepts all of them
 * back):
 *   REG               a register's name if it has one (REG_TABLE), else rN
 *   SIGNED, MEM       signed decimal: addi r1, sp, -4    sw r3, 8(sp)
 *   UNSIGNED, PORT    hex when 10 or more: andi r1, r1, 0xff    in r1, 0x0
 *   CREG              the control register's name, or its number if it has none
 *   TARGET            the absolute target: beq 0x1040 <loop+8>
 * A word that is not an instruction prints as `.word 0x12345678`.
 */
#ifndef DISASM_H
#define DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image.h"

enum {
  DIS_REASM = 1, /* dis_insn_ex: targets only as a symbol or an address */
  DIS_ADDRS = 2, /* dis_image: address and word in a comment on each line */
};

/* One word at address pc into buf; syms (may be NULL) names targets.
 * Returns 1 if the word is an instruction, 0 if it printed as .word. */
int dis_insn(uint32_t word, uint32_t pc, const image *syms, char *buf, size_t len);
int dis_insn_ex(uint32_t word, uint32_t pc, const image *syms, int flags, char *buf, size_t len);
/* The same with the branch target's symbol already found (a lister asks
 * for many at once): name (NULL for none) and the target's distance past
 * it, as image_symbol_at answers. */
int dis_insn_sym(uint32_t word, uint32_t pc, const char *name, uint32_t off, int flags, char *buf, size_t len);
/* The word's branch target, if it is an instruction that has one. */
bool dis_target(uint32_t word, uint32_t pc, uint32_t *target);

/* A whole image as source text for vasm (dis_list.c): .entry, then per
 * segment an .org line, labels from the symbol table and one instruction
 * or datum a line.  Reassembling the text gives the same loaded bytes and
 * entry point. */
void dis_image(FILE *out, const image *img, int flags);

#endif
