/* asm_dir.c: the directives, one function each, found through a table.
 *
 *   .equ NAME, expr   NAME = expr     a constant (or address) symbol
 *   .org expr                         set the location counter
 *   .word/.half/.byte expr, ...       32/16/8-bit little-endian data
 *   .ascii "s", ...   .asciz "s", ... bytes of strings (asciz adds a NUL)
 *   .space n[, fill]  .align n        n bytes; pad to a multiple of n
 *   .include "file"   .global name, ...   .entry expr
 *   .macro name [params] ... .endm
 *   .phase addr ... .dephase          code assembled to run at addr
 *
 * Directives that decide where bytes go (.org, .space, .align) need early
 * values: see asm_int.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asm_int.h"

bool asm_need_early(asm_state *st, const expr *e, int col) {
  if (e->early) return true;
  asm_error(st, col, "value must be known at this point (no symbols defined further down)");
  return false;
}

/* An expression that must be early and within [lo, hi]. */
static bool early_value(asm_state *st, lexer *lx, int64_t lo, int64_t hi, const char *what,
                        int64_t *v) {
  int col = lx->tok.col;
  expr e;
  if (!expr_parse(lx, EXPR_NORMAL, &e) || !asm_need_early(st, &e, col)) return false;
  if (e.v < lo || e.v > hi) {
    asm_error(st, col, "%s %lld out of range (%lld..%lld)", what, (long long)e.v, (long long)lo,
              (long long)hi);
    return false;
  }
  *v = e.v;
  return true;
}

/* After an error inside a list, skip to the next element. */
static void skip_element(lexer *lx) {
  while (lx->tok.kind != T_END && !lex_is(lx, ',')) lex_next(lx);
}

static void define_equ(asm_state *st, lexer *lx, char *name, int col) {
  expr e;
  if (!expr_parse(lx, EXPR_NORMAL, &e) || !asm_end_of_statement(st, lx))
    e = (expr){0, false, false, 0}; /* defined but unusable: no cascade of "undefined" */
  sym_define(st, name, col, SYM_EQU, &e);
  free(name);
}

/* NAME = expr: lx is at NAME. */
void dir_assign(asm_state *st, lexer *lx) {
  char *name = lex_strdup(lx);
  int col = lx->tok.col;
  lex_next(lx); /* the name */
  lex_next(lx); /* = */
  define_equ(st, lx, name, col);
}

static void d_equ(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  if (lx->tok.kind != T_IDENT || (lx->tok.len == 1 && lx->tok.p[0] == '.')) {
    asm_error(st, lx->tok.col, "expected a symbol name after .equ");
    return;
  }
  char *name = lex_strdup(lx);
  int col = lx->tok.col;
  lex_next(lx);
  if (!lex_is(lx, ',')) {
    asm_error(st, lx->tok.col, "expected ',' after the symbol name");
    free(name);
    return;
  }
  lex_next(lx);
  define_equ(st, lx, name, col);
}

static void d_org(asm_state *st, lexer *lx, int dcol) {
  if (st->phased) {
    asm_error(st, dcol, ".org inside .phase (end it with .dephase first)");
    return;
  }
  int64_t v;
  if (early_value(st, lx, 0, 0xffffffffll, "address", &v) && asm_end_of_statement(st, lx))
    st->loc = (uint64_t)v;
}

static void data(asm_state *st, lexer *lx, int size) {
  static const int64_t lo[] = {0, -0x80, -0x8000, 0, -0x80000000ll};
  static const int64_t hi[] = {0, 0xff, 0xffff, 0, 0xffffffffll};
  for (;;) {
    expr e;
    int col = lx->tok.col;
    uint8_t b[4] = {0};
    if (!expr_parse(lx, EXPR_NORMAL, &e)) {
      skip_element(lx);
    } else if (e.known && (e.v < lo[size] || e.v > hi[size])) {
      asm_error(st, col, "value %lld does not fit in %d bits", (long long)e.v, size * 8);
    } else {
      for (int i = 0; i < size; i++) b[i] = (uint8_t)((uint64_t)e.v >> (8 * i));
    }
    asm_emit(st, b, (uint32_t)size); /* even after an error: keep the layout */
    if (!lex_is(lx, ',')) break;
    lex_next(lx);
  }
  asm_end_of_statement(st, lx);
}

static void d_word(asm_state *st, lexer *lx, int dcol) { (void)dcol, data(st, lx, 4); }
static void d_half(asm_state *st, lexer *lx, int dcol) { (void)dcol, data(st, lx, 2); }
static void d_byte(asm_state *st, lexer *lx, int dcol) { (void)dcol, data(st, lx, 1); }

static void strings(asm_state *st, lexer *lx, bool nul) {
  for (;;) {
    if (lx->tok.kind == T_STR) {
      asm_emit(st, (const uint8_t *)lx->tok.str, (uint32_t)lx->tok.slen);
      if (nul) asm_emit(st, (const uint8_t *)"", 1);
    } else {
      if (lx->tok.kind != T_ERROR) asm_error(st, lx->tok.col, "expected a string");
      return;
    }
    lex_next(lx);
    if (!lex_is(lx, ',')) break;
    lex_next(lx);
  }
  asm_end_of_statement(st, lx);
}

static void d_ascii(asm_state *st, lexer *lx, int dcol) { (void)dcol, strings(st, lx, false); }
static void d_asciz(asm_state *st, lexer *lx, int dcol) { (void)dcol, strings(st, lx, true); }

static void d_space(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  int64_t n, fill = 0;
  if (!early_value(st, lx, 0, st->max_output, "size", &n)) return;
  if (lex_is(lx, ',')) {
    lex_next(lx);
    int col = lx->tok.col;
    expr e;
    if (!expr_parse(lx, EXPR_NORMAL, &e)) {
      asm_emit_fill(st, 0, (uint32_t)n); /* keep the layout */
      return;
    } else if (e.known && (e.v < -128 || e.v > 255)) {
      asm_error(st, col, "fill value %lld does not fit in 8 bits", (long long)e.v);
    } else {
      fill = e.v;
    }
  }
  asm_emit_fill(st, (uint8_t)fill, (uint32_t)n);
  asm_end_of_statement(st, lx);
}

static void d_align(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  int col = lx->tok.col;
  int64_t n;
  if (!early_value(st, lx, 1, 1 << 24, "alignment", &n)) return;
  if (n & (n - 1)) {
    asm_error(st, col, "alignment %lld is not a power of two", (long long)n);
    return;
  }
  if (!asm_end_of_statement(st, lx)) return;
  uint64_t pad = (uint64_t)(-asm_dot(st)) & (uint64_t)(n - 1); /* aligns `.` */
  asm_emit_fill(st, 0, (uint32_t)pad);
}

static void d_include(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  int col = lx->tok.col;
  if (lx->tok.kind != T_STR) {
    if (lx->tok.kind != T_ERROR) asm_error(st, col, "expected a file name in double quotes");
    return;
  }
  if (memchr(lx->tok.str, 0, lx->tok.slen)) {
    asm_error(st, col, "file name contains a NUL byte");
    return;
  }
  char *path = strdup(lx->tok.str);
  if (!path) abort();
  lex_next(lx);
  if (asm_end_of_statement(st, lx)) src_include(st, path, col);
  free(path);
}

static void d_global(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  for (;;) {
    if (lx->tok.kind != T_IDENT || (lx->tok.len == 1 && lx->tok.p[0] == '.')) {
      if (lx->tok.kind != T_ERROR) asm_error(st, lx->tok.col, "expected a symbol name");
      return;
    }
    char *name = lex_strdup(lx);
    if (asm_register(name) >= 0) {
      asm_error(st, lx->tok.col, "'%s' is a register name, not a symbol", name);
    } else {
      char *full = sym_qualify(st, name);
      sym *s = sym_intern(st, full);
      s->global = true; /* remember where, for "never defined" */
      s->gpos = st->pos;
      s->gcol = lx->tok.col;
      free(s->gtext);
      s->gtext = strdup(st->text);
      free(full);
    }
    free(name);
    lex_next(lx);
    if (!lex_is(lx, ',')) break;
    lex_next(lx);
  }
  asm_end_of_statement(st, lx);
}

static void d_entry(asm_state *st, lexer *lx, int dcol) {
  (void)dcol;
  int col = lx->tok.col;
  expr e;
  if (!expr_parse(lx, EXPR_NORMAL, &e) || !asm_end_of_statement(st, lx)) return;
  if (st->have_entry) {
    asm_error(st, col, "duplicate .entry");
    return;
  }
  st->have_entry = true;
  if (e.known && (e.v < 0 || e.v > 0xffffffffll))
    asm_error(st, col, "entry point %lld is not an address", (long long)e.v);
  else
    st->entry = (uint32_t)e.v;
}

/* .phase ADDR: assemble what follows to run at ADDR, though its bytes go
 * at the location counter (code that is copied elsewhere to run). */
static void d_phase(asm_state *st, lexer *lx, int dcol) {
  int64_t v;
  if (st->phased) {
    asm_error(st, dcol, ".phase inside .phase (end the first with .dephase)");
    return;
  }
  if (!early_value(st, lx, 0, 0xffffffffll, "address", &v) || !asm_end_of_statement(st, lx)) return;
  st->phase = v - (int64_t)st->loc;
  st->phased = true;
}

static void d_dephase(asm_state *st, lexer *lx, int dcol) {
  if (!st->phased) {
    asm_error(st, dcol, ".dephase without .phase");
    return;
  }
  asm_end_of_statement(st, lx);
  st->phase = 0;
  st->phased = false;
}

static void d_macro(asm_state *st, lexer *lx, int dcol) { (void)dcol, macro_start(st, lx); }

static void d_endm(asm_state *st, lexer *lx, int dcol) {
  (void)lx;
  asm_error(st, dcol, ".endm without .macro");
}

static const struct {
  const char *name;
  void (*fn)(asm_state *, lexer *, int col);
} directives[] = {
    {".equ", d_equ},     {".org", d_org},         {".word", d_word},     {".half", d_half},
    {".byte", d_byte},   {".ascii", d_ascii},     {".asciz", d_asciz},   {".space", d_space},
    {".align", d_align}, {".include", d_include}, {".global", d_global}, {".entry", d_entry},
    {".macro", d_macro}, {".endm", d_endm},       {".phase", d_phase},   {".dephase", d_dephase},
};

bool dir_statement(asm_state *st, lexer *lx) {
  for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
    const char *name = directives[i].name;
    if (strlen(name) == lx->tok.len && strncasecmp(lx->tok.p, name, lx->tok.len) == 0) {
      int col = lx->tok.col;
      lex_next(lx);
      directives[i].fn(st, lx, col);
      return true;
    }
  }
  return false;
}
