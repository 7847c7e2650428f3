/* disasm.c: the disassembler, one instruction at a time.  The ISA table
 * gives each instruction's mnemonic and operand letters, and OPERAND_TABLE
 * each letter's fields and form, so nothing here lists opcodes, operands
 * or register names.  Every field prints in a form the assembler reads
 * back exactly; whole images are dis_list.c's.
 */
#include "disasm.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "isa_info.h"

/* Text goes into buf at *n; what does not fit is cut, as snprintf cuts:
 * buf holds the first len - 1 characters and a 0. */
static void put_mem(char *buf, size_t len, size_t *n, const char *s, size_t k) {
  if (*n < len) {
    size_t room = len - *n - 1, c = k < room ? k : room;
    memcpy(buf + *n, s, c);
    buf[*n + c] = 0;
  }
  *n += k;
}

/* Names and mnemonics: a listing puts millions, so no printf here. */
static void put_str(char *buf, size_t len, size_t *n, const char *s) { put_mem(buf, len, n, s, strlen(s)); }

/* v in base 10 or 16 (lower case), at least `digits` digits. */
static void put_num(char *buf, size_t len, size_t *n, uint32_t v, unsigned base, int digits) {
  char t[16];
  int k = (int)sizeof t;
  do {
    t[--k] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v || (int)sizeof t - k < digits);
  put_mem(buf, len, n, t + k, sizeof t - (size_t)k);
}

static void put_signed(char *buf, size_t len, size_t *n, int32_t v) {
  if (v < 0) put_mem(buf, len, n, "-", 1);
  put_num(buf, len, n, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, 1);
}

/* 0x and hex digits. */
static void put_hex(char *buf, size_t len, size_t *n, uint32_t v, int digits) {
  put_mem(buf, len, n, "0x", 2);
  put_num(buf, len, n, v, 16, digits);
}

/* Unsigned operands: decimal below 10, where it reads the same. */
static void put_unsigned(char *buf, size_t len, size_t *n, uint32_t v) {
  if (v < 10)
    put_num(buf, len, n, v, 10, 1);
  else
    put_hex(buf, len, n, v, 1);
}

static void put_target(char *buf, size_t len, size_t *n, uint32_t t, const char *name, uint32_t off, int flags) {
  if (flags & DIS_REASM) {
    if (name && off == 0)
      put_str(buf, len, n, name);
    else
      put_hex(buf, len, n, t, 1);
    return;
  }
  put_hex(buf, len, n, t, 1);
  if (name) {
    put_str(buf, len, n, " <");
    put_str(buf, len, n, name);
    if (off) {
      put_str(buf, len, n, "+");
      put_num(buf, len, n, off, 10, 1);
    }
    put_str(buf, len, n, ">");
  }
}

/* The decoded instruction's branch target operand, if it has one. */
static bool has_target(const dinsn *d) {
  for (const char *p = isa_table[d->op].ops; *p; p++)
    if (*p != ',' && isa_operand_kind(*p)->form == FORM_TARGET) return true;
  return false;
}

bool dis_target(uint32_t word, uint32_t pc, uint32_t *target) {
  dinsn d;
  if (!isa_decode(word, &d) || !has_target(&d)) return false;
  *target = pc + d.imm;
  return true;
}

int dis_insn_sym(uint32_t word, uint32_t pc, const char *name, uint32_t off, int flags, char *buf, size_t len) {
  dinsn d;
  size_t n = 0;
  if (len) buf[0] = 0;
  if (!isa_decode(word, &d)) {
    put_str(buf, len, &n, ".word ");
    put_hex(buf, len, &n, word, 8);
    return 0;
  }
  const isa_info *in = &isa_table[d.op];
  put_str(buf, len, &n, in->name);
  const char *sep = " ";
  for (const char *p = in->ops; *p; p++) {
    if (*p == ',') continue;
    put_str(buf, len, &n, sep);
    sep = ", ";
    const isa_operand *k = isa_operand_kind(*p);
    const char *reg = isa_reg_name(isa_field_get(word, k->reg));
    const char *cr = isa_cr_name(d.imm);
    switch (k->form) {
    case FORM_REG: put_str(buf, len, &n, reg); break;
    case FORM_SIGNED: put_signed(buf, len, &n, (int32_t)d.imm); break;
    case FORM_UNSIGNED:
    case FORM_PORT: put_unsigned(buf, len, &n, d.imm); break;
    case FORM_MEM:
      put_signed(buf, len, &n, (int32_t)d.imm);
      put_str(buf, len, &n, "(");
      put_str(buf, len, &n, reg);
      put_str(buf, len, &n, ")");
      break;
    case FORM_TARGET: put_target(buf, len, &n, pc + d.imm, name, off, flags); break;
    case FORM_CREG:
      if (cr)
        put_str(buf, len, &n, cr);
      else
        put_num(buf, len, &n, d.imm, 10, 1);
      break;
    }
  }
  return 1;
}

int dis_insn_ex(uint32_t word, uint32_t pc, const image *syms, int flags, char *buf, size_t len) {
  uint32_t t, off = 0;
  const char *name = syms && dis_target(word, pc, &t) ? image_symbol_at(syms, t, &off) : NULL;
  return dis_insn_sym(word, pc, name, off, flags, buf, len);
}

int dis_insn(uint32_t word, uint32_t pc, const image *syms, char *buf, size_t len) {
  return dis_insn_ex(word, pc, syms, 0, buf, len);
}
