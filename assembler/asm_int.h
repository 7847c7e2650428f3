/* asm_int.h: the assembler's state, shared by the asm_*.c files.
 *
 * The assembler makes two passes over the same text.  Pass 1 only counts
 * bytes, to give every label its address; pass 2 does it all again with the
 * addresses known, emits the bytes and reports the errors (pass 1 is
 * silent, so each error is reported once).
 *
 * The one rule that keeps the passes in step: anything that decides a size
 * or which lines are assembled (.org, .space, .align, li's length, #if) may
 * use only values that are "early", i.e. computable from the text above it.
 * Early values are the same in both passes, so both passes lay out the same
 * bytes at the same addresses.  A later label is known in pass 2 but never
 * early.
 *
 * Files:  asm_lex.c     tokens of one line
 *         asm_expr.c    constant expressions
 *         asm_sym.c     symbols, numeric local labels
 *         asm_src.c     files, .include, #if: the stream of lines
 *         asm_macro.c   .macro definitions and expansions
 *         asm_diag.c    error messages with source line and caret
 *         asm_dir.c     directives (.word, .org, ...)
 *         asm_insn.c    instructions and the pseudo-instruction table
 *         asm.c         the passes, output and the public API
 */
#ifndef ASM_INT_H
#define ASM_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "asm.h"
#include "image.h"
#include "isa_info.h"

#define MAX_INCLUDE_DEPTH 32
#define MAX_MACRO_DEPTH 64
#define MAX_EXPR_DEPTH 100
#define MAX_LINE_BYTES (1u << 20) /* after macro substitution */
#define MAX_FILE_BYTES ASM_MAX_SOURCE

typedef struct asm_state asm_state;

/* A place in the source: the file name is interned for the whole run. */
typedef struct srcpos {
  const char *file;
  int line;
} srcpos;

/* ---- tokens (asm_lex.c) ---- */
enum tok_kind {
  T_END,      /* end of line or comment */
  T_IDENT,    /* name, directive (.word), or . alone */
  T_NUM,      /* number or character literal: num */
  T_STR,      /* string literal, decoded into str/slen */
  T_LOCALREF, /* 1b / 1f: num and dir */
  T_PUNCT,    /* op: a character or one of the P_ codes */
  T_ERROR,    /* a lexical error, already reported */
};
enum { P_SHL = 256, P_SHR, P_LE, P_GE, P_EQ, P_NE, P_ANDAND, P_OROR };

typedef struct token {
  int kind;
  int col; /* 1-based column of the first byte */
  const char *p;
  size_t len; /* the token's text in the line */
  int64_t num;
  char dir; /* 'b' or 'f' */
  int op;
  bool decimal; /* T_NUM written in plain decimal (a numeric label) */
  char *str;    /* T_STR: decoded bytes, owned by the lexer */
  size_t slen;
} token;

typedef struct lexer {
  asm_state *st;
  const char *line;
  size_t pos;
  token tok; /* the current token */
  char *buf;
  size_t cap;
} lexer;

void lex_init(lexer *lx, asm_state *st, const char *line);
void lex_init_at(lexer *lx, asm_state *st, const char *line, size_t pos);
void lex_free(lexer *lx);
void lex_next(lexer *lx);
/* The next non-blank character after the current token (0 at the end). */
int lex_peek_char(const lexer *lx);
bool lex_is(const lexer *lx, int op); /* current token is punctuation op */
bool lex_ident_is(const lexer *lx, const char *s);
/* Copy the current identifier into a malloc'd string. */
char *lex_strdup(const lexer *lx);

/* ---- expressions (asm_expr.c) ---- */
typedef struct expr {
  int64_t v;
  bool known; /* value available (always, in pass 2, unless failed) */
  bool early; /* computable from the text above: see the rule above */
  int reloc;  /* 1 if it is an address (label + constant) */
} expr;

enum { EXPR_NORMAL, EXPR_COND }; /* COND: #if rules, undefined names are 0 */
/* Parse and evaluate; false on error (reported). */
bool expr_parse(lexer *lx, int mode, expr *out);

/* ---- symbols (asm_sym.c) ---- */
enum sym_kind { SYM_LABEL, SYM_EQU, SYM_DEFINE };

typedef struct sym {
  char *name;
  int64_t value;
  bool known, early, addr;
  int kind;
  int defpass; /* pass of the latest definition; 0 = only mentioned */
  bool global;
  srcpos pos; /* definition, or the .global line */
  int col;
  char *gtext; /* .global line, to report a never-defined global */
  srcpos gpos;
  int gcol;
} sym;

typedef struct symtab {
  sym *v;
  int n, cap;
  int *hash; /* open addressing: index + 1, 0 = empty */
  int hcap;
} symtab;

sym *sym_find(asm_state *st, const char *name);
sym *sym_intern(asm_state *st, const char *name);
/* The full name of a label as written: ".x" becomes "scope.x". */
char *sym_qualify(asm_state *st, const char *name);
void sym_define(asm_state *st, const char *name, int col, int kind, const expr *val);
void sym_numeric_label(asm_state *st, int64_t num);
/* Value of 1b / 1f: false if not (yet) known. */
bool sym_numeric_ref(asm_state *st, int64_t num, char dir, int col, expr *out);
void sym_free_all(asm_state *st);

/* ---- source lines (asm_src.c) ---- */
typedef struct macro {
  char *name;
  char **params;
  int nparams;
  char **lines;
  int *linenos;
  int nlines;
  srcpos pos;
  int defpass;
} macro;

/* A source of lines: a file, or one expansion of a macro. */
typedef struct frame frame;
struct frame {
  frame *up;
  bool is_macro;
  /* ---- a file ---- */
  const char *file; /* interned name */
  char *buf;        /* the whole text; owned unless it is the caller's */
  size_t len, pos;
  bool owned;
  int line;   /* number of the line last read */
  char *real; /* canonical path, to catch recursive includes; may be NULL */
  int cond_depth;
  /* ---- a macro expansion ---- */
  const macro *m;
  char **args;
  int next; /* index of the next body line */
  unsigned serial;
  srcpos call; /* where the macro was used */
};

void src_begin_pass(asm_state *st, const char *name, const char *text, size_t len);
bool src_next_line(asm_state *st);
void src_end_pass(asm_state *st);
void src_include(asm_state *st, const char *path, int col);
frame *src_push_frame(asm_state *st);
void src_text_room(asm_state *st, size_t n); /* st->text can hold n bytes + NUL */
void src_free_all(asm_state *st);

/* ---- macros (asm_macro.c) ---- */
void macro_start(asm_state *st, lexer *lx); /* .macro: lx is past the directive */
void macro_collect(asm_state *st);           /* a line while defining */
macro *macro_find(asm_state *st, const char *name);
void macro_expand(asm_state *st, macro *m, const char *args, int col);
bool macro_line(asm_state *st, const frame *f, const char *body); /* into st->text */
void macro_note(asm_state *st); /* "in expansion of macro" after an error */
void macro_free(macro *m);
char *src_read_file(const char *path, size_t *len); /* NULL, errno set */

/* ---- diagnostics (asm_diag.c) ---- */
void asm_error(asm_state *st, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void asm_error_at(asm_state *st, srcpos pos, int col, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void asm_note_at(asm_state *st, srcpos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void asm_diag_printf(asm_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- statements (asm_dir.c, asm_insn.c) ---- */
bool dir_statement(asm_state *st, lexer *lx); /* false: not a known directive */
void dir_assign(asm_state *st, lexer *lx);    /* NAME = expr */
bool insn_statement(asm_state *st, lexer *lx); /* false: not an instruction */
bool insn_is_mnemonic(const char *name);       /* real or pseudo, any case */

/* ---- output (asm.c) ---- */
void asm_emit(asm_state *st, const uint8_t *bytes, uint32_t n);
void asm_emit_word(asm_state *st, uint32_t w);
void asm_emit_fill(asm_state *st, uint8_t byte, uint32_t n);
/* An expression that must be early (sizes, #if): reports an error if not. */
bool asm_need_early(asm_state *st, const expr *e, int col);
/* Check lx is at the end of the statement; reports an error if not. */
bool asm_end_of_statement(asm_state *st, lexer *lx);

typedef struct chunk {
  uint32_t addr, size, cap;
  uint8_t *data;
  srcpos pos; /* the line that started it, for "overlaps" */
  char *text;
} chunk;

struct asm_state {
  const asm_options *opt;
  /* the bounds on the work (asm.h), opt's or the defaults */
  uint32_t max_output, max_macro_expansions, max_macro_lines, max_macro_bytes;
  asm_diag *diag;
  int pass;
  int errors;   /* reported in pass 2 */
  bool stopped; /* too many errors: stop reading */

  /* ---- the line being assembled ---- */
  char *text; /* NUL-terminated, after macro substitution */
  size_t textcap;
  srcpos pos;
  const frame *line_frame; /* the frame that produced it */

  /* ---- the line sources: files and macro expansions (asm_src.c) ---- */
  frame *top;
  int file_depth, macro_depth;
  uint32_t expansions;   /* macro expansions this pass */
  size_t macro_lines, macro_bytes; /* what they produced this pass */
  bool macro_cut;                   /* ... was too much: expansions end */
  unsigned macro_serial; /* the \@ counter */
  char **names;          /* interned file names */
  int nnames;
  struct cond *conds; /* #if stack */
  int nconds, capconds;
  macro **macros;
  int nmacros, capmacros;
  macro *defining; /* collecting a .macro body, installed at .endm */
  const frame *defining_frame;
  char *defining_text; /* the .macro line, for "unterminated" */
  int defining_col;

  /* ---- symbols (asm_sym.c) ---- */
  symtab syms;
  char *scope; /* last ordinary label, for .name labels */
  struct nlabel { int64_t num; uint32_t addr; } *nlabels; /* numeric labels, pass 1 */
  int nnlabels, capnlabels;
  int nlabels_seen; /* this pass */

  /* ---- output ----
   * loc is where the bytes go.  Between .phase ADDR and .dephase the code
   * is assembled to run at ADDR instead (it is copied there at run time):
   * labels, `.` and branch offsets use asm_dot(), loc + phase. */
  uint64_t loc; /* location counter, may reach 2^32 */
  int64_t phase;
  bool phased;
  uint64_t total;
  chunk *chunks;
  int nchunks, capchunks;
  bool have_entry;
  uint32_t entry;
  uint8_t *linebytes; /* the first bytes this line emitted, for the listing */
  uint32_t nlinebytes, linebytes_total;
};

/* The address the current line is assembled for: `.` */
static inline int64_t asm_dot(const asm_state *st) { return (int64_t)st->loc + st->phase; }

#endif
