/* asm_insn.c: instructions, driven by the ISA table's operand letters, and
 * the pseudo-instructions, kept in one table below.
 *
 * An instruction's operands are parsed by walking its letters, each looked
 * up in OPERAND_TABLE (isa.h), whose form says how it is written:
 *
 *   form       written as              form       written as
 *   REG        a register              CREG       a control register name or number
 *   SIGNED     an expression           PORT       a port number (expression)
 *   UNSIGNED   an expression           TARGET     a target address (expression)
 *   MEM        offset(reg) or (reg)
 *
 * into a flat array of operands (MEM takes two: the offset, then the base
 * register), which encode() packs into the fields the table names.  A
 * pseudo-instruction parses its own letters the same way (plus two of its
 * own, below) and then encodes each real instruction of its expansion from
 * that array.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

typedef struct operand {
  int reg;
  expr e;
  int col;
} operand;

/* ---- the pseudo-instruction table ---- */

/* In a step, a field is a literal register number or immediate, or one of
 * the pseudo-instruction's own operands. */
enum { A1 = 0x10000000, A2 = 0x10000001 }; /* beyond any register or imm16 */

typedef struct pstep {
  uint8_t op;
  int32_t f[3]; /* one per operand of the real instruction; m takes two */
} pstep;

typedef struct pseudo {
  const char *name;
  const char *ops; /* letters of OPERAND_TABLE, and I (a 32-bit value) and L (an address) */
  int nsteps;      /* 0: li and la, whose expansion is computed */
  pstep step[2];
} pseudo;

static const pseudo pseudos[] = {
    {"nop", "", 1, {{OP_ADDI, {REG_ZERO, REG_ZERO, 0}}}},
    {"mov", "d,s", 1, {{OP_ADDI, {A1, A2, 0}}}},
    {"neg", "d,s", 1, {{OP_SUB, {A1, REG_ZERO, A2}}}},
    /* ~x = -x - 1, and works when rd is rs: no scratch register needed. */
    {"not", "d,s", 2, {{OP_SUB, {A1, REG_ZERO, A2}}, {OP_ADDI, {A1, A1, -1}}}},
    {"push", "s", 2, {{OP_ADDI, {REG_SP, REG_SP, -4}}, {OP_SW, {A1, 0, REG_SP}}}},
    {"pop", "d", 2, {{OP_LW, {A1, 0, REG_SP}}, {OP_ADDI, {REG_SP, REG_SP, 4}}}},
    {"ret", "", 1, {{OP_JR, {REG_LR}}}},
    {"b", "j", 1, {{OP_JMP, {A1}}}},
    /* li: addi rd, zero, v if v fits in 16 signed bits; ori rd, zero, v if
     * it fits in 16 unsigned bits; else lui rd, v >> 16 ; ori rd, rd, v & 0xffff.
     * la: always the lui/ori pair, so the length never depends on the label. */
    {"li", "d,I", 0, {{0, {0}}}},
    {"la", "d,L", 0, {{0, {0}}}},
};

/* (First letters before names: every li, la, push and ret of a generated
 * kernel comes here, and a library call per entry tried showed in the
 * lockstep fuzzer's profile.) */
static const pseudo *find_pseudo(const char *name) {
  for (size_t i = 0; i < sizeof pseudos / sizeof pseudos[0]; i++)
    if (pseudos[i].name[0] == name[0] && strcmp(pseudos[i].name, name) == 0) return &pseudos[i];
  return NULL;
}

/* Lower-case copy of a mnemonic into buf; false if it cannot be one. */
static bool lower_name(const char *s, size_t n, char *buf, size_t cap) {
  if (n == 0 || n >= cap) return false;
  for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)s[i]);
  buf[n] = 0;
  return true;
}

bool insn_is_mnemonic(const char *name) {
  char buf[16];
  return lower_name(name, strlen(name), buf, sizeof buf) && (isa_lookup(buf) || find_pseudo(buf));
}

/* ---- operands ---- */

/* The pseudo-instructions' own letters: an expression each. */
static const struct {
  char letter;
  const char *word;
} pseudo_letters[] = {{'I', "value"}, {'L', "address"}};

static const char *letter_word(char c) {
  const isa_operand *k = isa_operand_kind(c);
  if (k) return k->word;
  for (size_t i = 0; i < sizeof pseudo_letters / sizeof pseudo_letters[0]; i++)
    if (pseudo_letters[i].letter == c) return pseudo_letters[i].word;
  return "?";
}

/* The form of a letter; a pseudo-instruction's own letters read as signed
 * expressions. */
static int letter_form(char c) {
  const isa_operand *k = isa_operand_kind(c);
  return k ? k->form : FORM_SIGNED;
}

static void operand_count_error(asm_state *st, int col, const char *mn, const char *ops) {
  char use[96] = "";
  size_t n = 0;
  for (const char *p = ops; *p && n < sizeof use; p++)
    n += (size_t)snprintf(use + n, sizeof use - n, "%s", *p == ',' ? ", " : letter_word(*p));
  if (*ops == 0)
    asm_error(st, col, "'%s' takes no operands", mn);
  else
    asm_error(st, col, "wrong number of operands (expected: %s %s)", mn, use);
}

static bool parse_reg(asm_state *st, lexer *lx, operand *o) {
  o->col = lx->tok.col;
  if (lx->tok.kind == T_IDENT) {
    /* (on the stack: an operand in three is a register, and no register's
     * name is long) */
    char name[16];
    o->reg = -1;
    if (lx->tok.len < sizeof name) {
      memcpy(name, lx->tok.p, lx->tok.len);
      name[lx->tok.len] = 0;
      o->reg = asm_register(name);
    }
    if (o->reg >= 0) {
      lex_next(lx);
      return true;
    }
  }
  if (lx->tok.kind != T_ERROR)
    asm_error(st, lx->tok.col, "expected a register, found '%.*s'", (int)lx->tok.len, lx->tok.p);
  return false;
}

/* After a '(': is the text "REG )"?  Then it is a bare base register. */
static bool paren_register(const lexer *lx) {
  const char *p = lx->line + lx->pos;
  p += strspn(p, " \t");
  size_t n = 0;
  while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
  char name[8];
  if (n == 0 || n >= sizeof name) return false;
  memcpy(name, p, n);
  name[n] = 0;
  p += n;
  p += strspn(p, " \t");
  return asm_register(name) >= 0 && *p == ')';
}

static bool parse_mem(asm_state *st, lexer *lx, operand *off, operand *base) {
  off->col = lx->tok.col;
  off->e = (expr){0, true, true, 0};
  if (!(lex_is(lx, '(') && paren_register(lx)) && !expr_parse(lx, EXPR_NORMAL, &off->e))
    return false;
  if (!lex_is(lx, '(')) {
    asm_error(st, lx->tok.col, "expected '(' and a base register, as in 8(sp)");
    return false;
  }
  lex_next(lx);
  if (!parse_reg(st, lx, base)) return false;
  if (!lex_is(lx, ')')) {
    asm_error(st, lx->tok.col, "expected ')' after the base register");
    return false;
  }
  lex_next(lx);
  return true;
}

/* Parse the operands named by ops into out[]; false on error (reported). */
static bool parse_operands(asm_state *st, lexer *lx, const char *mn, const char *ops,
                           operand *out) {
  int k = 0;
  for (const char *p = ops; *p; p++) {
    if (*p == ',') {
      if (!lex_is(lx, ',')) {
        if (lx->tok.kind == T_END) operand_count_error(st, lx->tok.col, mn, ops);
        else if (lx->tok.kind != T_ERROR)
          asm_error(st, lx->tok.col, "expected ',' before '%.*s'", (int)lx->tok.len, lx->tok.p);
        return false;
      }
      lex_next(lx);
      continue;
    }
    if (lx->tok.kind == T_END) {
      operand_count_error(st, lx->tok.col, mn, ops);
      return false;
    }
    operand *o = &out[k++];
    memset(o, 0, sizeof *o);
    o->col = lx->tok.col;
    int form = letter_form(*p);
    if (form == FORM_REG) {
      if (!parse_reg(st, lx, o)) return false;
    } else if (form == FORM_MEM) {
      if (!parse_mem(st, lx, o, &out[k++])) return false;
    } else if (form == FORM_CREG && lx->tok.kind == T_IDENT) {
      char name[16];
      int cr = lower_name(lx->tok.p, lx->tok.len, name, sizeof name) ? isa_cr_number(name) : -1;
      if (cr >= 0) {
        o->e = (expr){cr, true, true, 0};
        lex_next(lx);
      } else if (!expr_parse(lx, EXPR_NORMAL, &o->e)) {
        return false;
      }
    } else if (!expr_parse(lx, EXPR_NORMAL, &o->e)) {
      return false;
    }
  }
  if (lex_is(lx, ',') || (*ops == 0 && lx->tok.kind != T_END && lx->tok.kind != T_ERROR)) {
    operand_count_error(st, lx->tok.col, mn, ops);
    return false;
  }
  return asm_end_of_statement(st, lx);
}

/* ---- encoding ---- */

/* An immediate: the values its field holds (isa_operand_range); an
 * unsigned one also takes -32768..-1, which keep their low 16 bits, as in
 * andi r1, r1, ~1. */
static uint32_t immediate(asm_state *st, const operand *o, const isa_operand *k) {
  if (!o->e.known) return 0;
  int64_t lo, hi;
  isa_operand_range(k, &lo, &hi);
  int64_t accept = k->form == FORM_UNSIGNED ? -(hi + 1) / 2 : lo;
  if (o->e.v < accept || o->e.v > hi) {
    asm_error(st, o->col, "%s %lld out of range (%lld..%lld)", k->noun, (long long)o->e.v, (long long)lo,
              (long long)hi);
    return 0;
  }
  return (uint32_t)o->e.v;
}

/* The field holds a signed word offset from the branch itself:
 * target = pc + 4*imm24. */
static uint32_t branch(asm_state *st, const operand *o, const isa_operand *k) {
  if (!o->e.known) return 0;
  int64_t t = o->e.v;
  if (t < -0x80000000ll || t > 0xffffffffll) {
    asm_error(st, o->col, "branch target %lld is not an address", (long long)t);
    return 0;
  }
  if (t & 3) {
    asm_error(st, o->col, "branch target 0x%x is not a multiple of 4", (uint32_t)t);
    return 0;
  }
  int32_t words = (int32_t)((uint32_t)t - (uint32_t)asm_dot(st)) / 4; /* wraps like the pc */
  int64_t lo, hi;
  isa_operand_range(k, &lo, &hi);
  if (words < lo || words > hi) {
    asm_error(st, o->col, "branch target 0x%x out of range (%d words away; the limit is 2^%d)",
              (uint32_t)t, words, __builtin_ctzll((uint64_t)hi + 1));
    return 0;
  }
  return (uint32_t)words;
}

/* The word: each operand into the fields its kind names. */
static uint32_t encode(asm_state *st, const isa_info *in, const operand *op) {
  uint32_t w = (uint32_t)in->opcode << 24;
  int n = 0;
  for (const char *p = in->ops; *p; p++) {
    if (*p == ',') continue;
    const isa_operand *k = isa_operand_kind(*p);
    const operand *o = &op[n++];
    if (k->form == FORM_REG) {
      w |= ISA_FIELD_PUT(k->reg, o->reg);
      continue;
    }
    if (k->form == FORM_MEM) w |= ISA_FIELD_PUT(k->reg, op[n++].reg); /* the base, after the offset */
    w |= ISA_FIELD_PUT(k->imm, k->form == FORM_TARGET ? branch(st, o, k) : immediate(st, o, k));
  }
  return w;
}

static bool check_aligned(asm_state *st, int col) {
  if (st->loc % 4 == 0 && asm_dot(st) % 4 == 0) return true;
  asm_error(st, col, "instruction at misaligned address 0x%llx (use .align 4)",
            (unsigned long long)(st->loc % 4 ? st->loc : (uint64_t)asm_dot(st)));
  return false;
}

/* One real instruction of an expansion, from literals and operands. */
static void emit_step(asm_state *st, const pstep *s, const operand *args, int col) {
  const isa_info *in = &isa_table[s->op];
  operand ops[4];
  int k = 0, fi = 0;
  for (const char *p = in->ops; *p; p++) {
    if (*p == ',') continue;
    for (int half = 0; half < (letter_form(*p) == FORM_MEM ? 2 : 1); half++) {
      int32_t f = s->f[fi++];
      operand *o = &ops[k++];
      if (f == A1 || f == A2) {
        *o = args[f - A1];
      } else {
        o->reg = f;
        o->e = (expr){f, true, true, 0};
        o->col = col;
      }
    }
  }
  asm_emit_word(st, encode(st, in, ops));
}

static void emit_li(asm_state *st, const pseudo *ps, bool ok, const operand *args, int col) {
  const expr *e = &args[1].e;
  int64_t v = e->v;
  if (ok && e->known && (v < -0x80000000ll || v > 0xffffffffll)) {
    asm_error(st, args[1].col, "value %lld does not fit in 32 bits", (long long)v);
    ok = false;
  }
  /* The length must not change between passes: only an early value may
   * pick the short form (see asm_int.h). */
  bool short_form = ps->name[1] == 'i' && ok && e->early && v >= -32768 && v <= 0xffff;
  if (!ok) {
    asm_emit_word(st, 0);
    if (!short_form) asm_emit_word(st, 0);
    return;
  }
  uint32_t u = (uint32_t)v;
  int rd = args[0].reg;
  if (short_form && v <= 32767) {
    emit_step(st, &(pstep){OP_ADDI, {rd, REG_ZERO, (int32_t)v}}, args, col);
  } else if (short_form) {
    emit_step(st, &(pstep){OP_ORI, {rd, REG_ZERO, (int32_t)u}}, args, col);
  } else {
    emit_step(st, &(pstep){OP_LUI, {rd, e->known ? (int32_t)(u >> 16) : 0}}, args, col);
    emit_step(st, &(pstep){OP_ORI, {rd, rd, e->known ? (int32_t)(u & 0xffff) : 0}}, args, col);
  }
}

bool insn_statement(asm_state *st, lexer *lx) {
  char mn[16];
  if (!lower_name(lx->tok.p, lx->tok.len, mn, sizeof mn)) return false;
  const isa_info *in = isa_lookup(mn);
  const pseudo *ps = in ? NULL : find_pseudo(mn);
  if (!in && !ps) return false;
  int col = lx->tok.col;
  lex_next(lx);
  operand args[4];
  check_aligned(st, col);
  bool ok = parse_operands(st, lx, mn, in ? in->ops : ps->ops, args);
  if (in) {
    asm_emit_word(st, ok ? encode(st, in, args) : 0);
  } else if (ps->nsteps == 0) {
    emit_li(st, ps, ok, args, col);
  } else {
    for (int i = 0; i < ps->nsteps; i++) {
      if (ok)
        emit_step(st, &ps->step[i], args, col);
      else
        asm_emit_word(st, 0); /* keep the length, so later addresses stay put */
    }
  }
  return true;
}
