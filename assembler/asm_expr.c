/* asm_expr.c: constant expressions, with C's operators and precedence.
 *
 *   level  operators            level  operators
 *     1    ||                     6    == !=
 *     2    &&                     7    < > <= >=
 *     3    |                      8    << >>
 *     4    ^                      9    + -
 *     5    &                     10    * / %
 *   unary: - ~ ! +      primary: number 'c' name . 1b 1f ( expr )
 *
 * Values are 64-bit signed while they are computed (so 0xffffffff + 1 does
 * not silently wrap) and range-checked where they are used.  Arithmetic is
 * done on uint64_t, where wrapping is defined.  In #if lines (EXPR_COND) the
 * rules are the C preprocessor's: a name not defined above is 0, and
 * `defined NAME` / `defined(NAME)` test for one.
 */
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

typedef struct eparser {
  lexer *lx;
  asm_state *st;
  int mode;
  int depth;
} eparser;

static bool unary(eparser *ep, expr *out);

static int binop_level(const token *t) {
  if (t->kind != T_PUNCT) return 0;
  switch (t->op) {
  case P_OROR: return 1;
  case P_ANDAND: return 2;
  case '|': return 3;
  case '^': return 4;
  case '&': return 5;
  case P_EQ: case P_NE: return 6;
  case '<': case '>': case P_LE: case P_GE: return 7;
  case P_SHL: case P_SHR: return 8;
  case '+': case '-': return 9;
  case '*': case '/': case '%': return 10;
  }
  return 0;
}

static int64_t wrap(uint64_t v) { return (int64_t)v; }

/* a op b; false on a division by zero or a bad shift (reported). */
static bool apply(eparser *ep, int op, int col, expr *a, const expr *b) {
  bool known = a->known && b->known;
  int64_t x = a->v, y = b->v, r = 0;
  int reloc = 0;
  switch (op) {
  case '+': r = wrap((uint64_t)x + (uint64_t)y), reloc = a->reloc + b->reloc; break;
  case '-': r = wrap((uint64_t)x - (uint64_t)y), reloc = a->reloc - b->reloc; break;
  case '*': r = wrap((uint64_t)x * (uint64_t)y); break;
  case '/':
  case '%':
    if (known && y == 0) {
      asm_error(ep->st, col, "division by zero");
      return false;
    }
    if (!known) break;
    if (y == -1) /* INT64_MIN / -1 would trap */
      r = op == '/' ? wrap(0 - (uint64_t)x) : 0;
    else
      r = op == '/' ? x / y : x % y;
    break;
  case P_SHL:
  case P_SHR:
    if (b->known && (y < 0 || y > 63)) {
      asm_error(ep->st, col, "shift count %lld out of range (0..63)", (long long)y);
      return false;
    }
    if (!known) break;
    if (op == P_SHL)
      r = wrap((uint64_t)x << y);
    else /* arithmetic shift, written so it does not rely on the compiler */
      r = x < 0 ? ~(int64_t)(~(uint64_t)x >> y) : (int64_t)((uint64_t)x >> y);
    break;
  case '&': r = x & y; break;
  case '|': r = x | y; break;
  case '^': r = x ^ y; break;
  case P_EQ: r = x == y; break;
  case P_NE: r = x != y; break;
  case '<': r = x < y; break;
  case '>': r = x > y; break;
  case P_LE: r = x <= y; break;
  case P_GE: r = x >= y; break;
  case P_ANDAND: r = x && y; break;
  case P_OROR: r = x || y; break;
  }
  a->v = known ? r : 0;
  a->known = known;
  a->early = a->early && b->early;
  a->reloc = reloc;
  return true;
}

static bool binary(eparser *ep, int minlevel, expr *out) {
  if (!unary(ep, out)) return false;
  for (;;) {
    int level = binop_level(&ep->lx->tok);
    if (level < minlevel || level == 0) return true;
    int op = ep->lx->tok.op, col = ep->lx->tok.col;
    lex_next(ep->lx);
    expr rhs;
    if (!binary(ep, level + 1, &rhs)) return false; /* all levels are left-associative */
    if (!apply(ep, op, col, out, &rhs)) return false;
  }
}

static void constant(expr *out, int64_t v) { *out = (expr){v, true, true, 0}; }

/* A name in an ordinary expression: labels and .equ symbols. */
static bool symbol(eparser *ep, const char *name, int col, expr *out) {
  asm_state *st = ep->st;
  if (strcmp(name, ".") == 0) {
    *out = (expr){asm_dot(st), true, true, 1};
    return true;
  }
  if (ep->mode == EXPR_NORMAL && asm_register(name) >= 0) {
    asm_error(st, col, "register '%s' cannot be used in an expression", name);
    return false;
  }
  char *full = sym_qualify(st, name);
  sym *s = sym_find(st, full);
  free(full);
  bool here = s && s->defpass == st->pass; /* defined above, in this pass */
  if (ep->mode == EXPR_COND) {
    if (!here) {
      constant(out, 0); /* as in C: an undefined name is 0 */
      return true;
    }
    if (!s->early) {
      asm_error(st, col, "value of '%s' is not known at this point", name);
      return false;
    }
    constant(out, s->value);
    return true;
  }
  if (!s || s->defpass == 0) {
    if (st->pass == 2) {
      asm_error(st, col, "undefined symbol '%s'", name);
      return false;
    }
    *out = (expr){0, false, false, 0};
    return true;
  }
  if (!s->known && st->pass == 2) {
    /* Defined below from symbols defined further below: two passes are not
     * enough.  (If it is defined above, its line already failed.) */
    if (!here) asm_error(st, col, "cannot resolve '%s' (its definition uses later symbols)", name);
    return false;
  }
  *out = (expr){s->known ? s->value : 0, s->known, here && s->early, s->addr ? 1 : 0};
  return true;
}

/* defined NAME, defined(NAME): only in #if lines. */
static bool defined_op(eparser *ep, expr *out) {
  lexer *lx = ep->lx;
  bool paren = lex_is(lx, '(');
  if (paren) lex_next(lx);
  if (lx->tok.kind != T_IDENT) {
    asm_error(ep->st, lx->tok.col, "expected a name after 'defined'");
    return false;
  }
  char *name = lex_strdup(lx), *full = sym_qualify(ep->st, name);
  sym *s = sym_find(ep->st, full);
  free(name);
  free(full);
  constant(out, s && s->defpass == ep->st->pass);
  lex_next(lx);
  if (paren) {
    if (!lex_is(lx, ')')) {
      asm_error(ep->st, lx->tok.col, "expected ')'");
      return false;
    }
    lex_next(lx);
  }
  return true;
}

static bool primary(eparser *ep, expr *out) {
  lexer *lx = ep->lx;
  token *t = &lx->tok;
  switch (t->kind) {
  case T_NUM:
    constant(out, t->num);
    lex_next(lx);
    return true;
  case T_LOCALREF: {
    bool ok = sym_numeric_ref(ep->st, t->num, t->dir, t->col, out);
    lex_next(lx);
    return ok;
  }
  case T_IDENT: {
    if (ep->mode == EXPR_COND && lex_ident_is(lx, "defined")) {
      lex_next(lx);
      return defined_op(ep, out);
    }
    char small[64], *name = small; /* (on the stack when short, as most are) */
    if (t->len < sizeof small) {
      memcpy(small, t->p, t->len);
      small[t->len] = 0;
    } else {
      name = lex_strdup(lx);
    }
    int col = t->col;
    lex_next(lx);
    bool ok = symbol(ep, name, col, out);
    if (name != small) free(name);
    return ok;
  }
  case T_PUNCT:
    if (t->op == '(') {
      int col = t->col;
      lex_next(lx);
      if (!binary(ep, 1, out)) return false;
      if (!lex_is(lx, ')')) {
        asm_error(ep->st, lx->tok.col, "expected ')' to match the '(' at column %d", col);
        return false;
      }
      lex_next(lx);
      return true;
    }
    asm_error(ep->st, t->col, "expected an expression before '%.*s'", (int)t->len, t->p);
    return false;
  case T_STR: asm_error(ep->st, t->col, "a string cannot be used as a number"); return false;
  case T_END: asm_error(ep->st, t->col, "expected an expression"); return false;
  default: return false; /* T_ERROR: already reported */
  }
}

static bool unary(eparser *ep, expr *out) {
  lexer *lx = ep->lx;
  if (++ep->depth > MAX_EXPR_DEPTH) {
    asm_error(ep->st, lx->tok.col, "expression nested too deeply");
    return false;
  }
  bool ok;
  if (lx->tok.kind == T_PUNCT && lx->tok.op < 256 && strchr("-~!+", lx->tok.op)) {
    int op = lx->tok.op;
    lex_next(lx);
    ok = unary(ep, out);
    if (ok && out->known) {
      if (op == '-') out->v = wrap(0 - (uint64_t)out->v);
      if (op == '~') out->v = ~out->v;
      if (op == '!') out->v = !out->v;
    }
    if (op == '-') out->reloc = -out->reloc;
    if (op == '~' || op == '!') out->reloc = 0;
  } else {
    ok = primary(ep, out);
  }
  ep->depth--;
  return ok;
}

bool expr_parse(lexer *lx, int mode, expr *out) {
  eparser ep = {lx, lx->st, mode, 0};
  *out = (expr){0, false, false, 0};
  return binary(&ep, 1, out);
}
