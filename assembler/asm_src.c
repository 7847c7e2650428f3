/* asm_src.c: the stream of lines the assembler sees.
 *
 * Lines come from a stack of frames: the source file at the bottom, then
 * .include'd files and macro expansions pushed on top.  Before a line
 * reaches the statement parser it passes three filters, in this order:
 *
 *   1. conditional assembly: #if/#ifdef/#ifndef/#elif/#else/#endif lines
 *      are obeyed here and lines in a false branch are dropped.  They work
 *      like the C preprocessor's (so `unifdef` can cut lab handouts from
 *      the same source) and must balance within each file.
 *   2. macro definition: between .macro and .endm, lines are stored, not
 *      assembled (asm_macro.c).  So an #if inside a body is decided when
 *      the macro is defined.
 *   3. macro substitution: a line from an expansion has its parameters
 *      replaced (asm_macro.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "asm_int.h"
#include "cli.h"

struct cond {
  bool active;    /* this branch is assembled */
  bool taken;     /* some branch of this #if was (or must not be) taken */
  bool seen_else;
  bool outer;     /* the enclosing text is assembled */
  srcpos pos;
  int col;
  char *text;
};

static bool skipping(const asm_state *st) {
  return st->nconds > 0 && !st->conds[st->nconds - 1].active;
}

static const char *intern(asm_state *st, const char *name) {
  for (int i = 0; i < st->nnames; i++)
    if (strcmp(st->names[i], name) == 0) return st->names[i];
  char **v = realloc(st->names, (size_t)(st->nnames + 1) * sizeof *v);
  if (!v) abort();
  st->names = v;
  v[st->nnames] = strdup(name);
  if (!v[st->nnames]) abort();
  return v[st->nnames++];
}

/* Make room for a line of n bytes (and its NUL) in st->text. */
void src_text_room(asm_state *st, size_t n) {
  if (n + 1 <= st->textcap) return;
  size_t cap = st->textcap ? st->textcap : 256;
  while (cap < n + 1) cap *= 2;
  char *t = realloc(st->text, cap);
  if (!t) abort();
  st->text = t;
  st->textcap = cap;
}

static void set_text(asm_state *st, const char *s, size_t n) {
  src_text_room(st, n);
  memcpy(st->text, s, n);
  st->text[n] = 0;
}

/* ---- frames ---- */

frame *src_push_frame(asm_state *st) {
  frame *f = calloc(1, sizeof *f);
  if (!f) abort();
  f->up = st->top;
  f->cond_depth = st->nconds;
  st->top = f;
  return f;
}

static void pop_frame(asm_state *st, bool report) {
  frame *f = st->top;
  while (st->nconds > f->cond_depth) {
    struct cond *c = &st->conds[--st->nconds];
    if (report) asm_error_at(st, c->pos, c->col, c->text, "unterminated #if (no #endif in this file)");
    free(c->text);
  }
  if (st->defining && st->defining_frame == f) {
    if (report)
      asm_error_at(st, st->defining->pos, st->defining_col, st->defining_text,
                   "unterminated .macro '%s' (no .endm in this file)", st->defining->name);
    macro_free(st->defining); /* dropped: never installed */
    st->defining = NULL;
    free(st->defining_text);
    st->defining_text = NULL;
  }
  if (f->is_macro) {
    for (int i = 0; i < f->m->nparams; i++) free(f->args[i]);
    free(f->args);
    st->macro_depth--;
  } else {
    if (f->owned) free(f->buf);
    free(f->real);
    st->file_depth--;
  }
  st->top = f->up;
  if (st->line_frame == f) st->line_frame = NULL;
  free(f);
}

/* The next raw line of frame f into st->text; false at its end.
 * *nul is set to the column of a NUL byte in the line, or 0. */
static bool frame_line(asm_state *st, frame *f, int *nul) {
  *nul = 0;
  if (f->is_macro) {
    if (f->next >= f->m->nlines) return false;
    /* Macros that expand to too much work end the expansion (the count of
     * expansions alone lets a long body take minutes). */
    if (st->macro_lines >= st->max_macro_lines || st->macro_bytes >= st->max_macro_bytes) {
      if (!st->macro_cut)
        asm_error(st, 1, "macro expansions too large (over %u lines or %u bytes); a recursive macro?",
                  st->max_macro_lines, st->max_macro_bytes);
      st->macro_cut = true;
      return false;
    }
    int i = f->next++;
    st->pos = (srcpos){f->m->pos.file, f->m->linenos[i]};
    if (!macro_line(st, f, f->m->lines[i])) {
      set_text(st, "", 0);
      asm_error(st, 1, "line too long after macro substitution");
    }
    st->macro_lines++;
    st->macro_bytes += strlen(st->text);
    return true;
  }
  if (f->pos >= f->len) return false;
  const char *s = f->buf + f->pos;
  const char *nl = memchr(s, '\n', f->len - f->pos);
  size_t n = nl ? (size_t)(nl - s) : f->len - f->pos;
  f->pos += n + (nl != NULL);
  f->line++;
  if (n > 0 && s[n - 1] == '\r') n--;
  const char *z = memchr(s, 0, n);
  if (z) *nul = (int)(z - s) + 1;
  set_text(st, s, n);
  st->pos = (srcpos){f->file, f->line};
  return true;
}

/* ---- conditional assembly ---- */

static void push_cond(asm_state *st, bool active, bool taken, bool outer, int col) {
  if (st->nconds == st->capconds) {
    st->capconds = st->capconds ? st->capconds * 2 : 16;
    struct cond *v = realloc(st->conds, (size_t)st->capconds * sizeof *v);
    if (!v) abort();
    st->conds = v;
  }
  char *text = strdup(st->text);
  if (!text) abort();
  st->conds[st->nconds++] = (struct cond){active, taken, false, outer, st->pos, col, text};
}

/* The value of the condition of #if/#elif (or #ifdef/#ifndef NAME). */
static bool cond_value(asm_state *st, lexer *lx, int kind, bool *ok) {
  *ok = false;
  bool v = false;
  if (kind == 'd' || kind == 'n') {
    if (lx->tok.kind != T_IDENT) {
      asm_error(st, lx->tok.col, "expected a name");
      return false;
    }
    char *name = lex_strdup(lx), *full = sym_qualify(st, name);
    sym *s = sym_find(st, full);
    v = (s && s->defpass == st->pass) == (kind == 'd');
    free(name);
    free(full);
    lex_next(lx);
  } else {
    expr e;
    int col = lx->tok.col;
    if (!expr_parse(lx, EXPR_COND, &e) || !asm_need_early(st, &e, col)) return false;
    v = e.v != 0;
  }
  *ok = asm_end_of_statement(st, lx);
  return v;
}

static void conditional(asm_state *st, size_t hash) {
  static const char *const kw[] = {"if", "ifdef", "ifndef", "elif", "else", "endif"};
  /* Find the keyword by hand: in a skipped branch nothing else is looked
   * at, so the rest of the line may be anything. */
  const char *w = st->text + hash + 1;
  w += strspn(w, " \t");
  size_t wlen = 0;
  while ((w[wlen] >= 'a' && w[wlen] <= 'z') || (w[wlen] >= 'A' && w[wlen] <= 'Z') ||
         (w[wlen] >= '0' && w[wlen] <= '9') || w[wlen] == '_')
    wlen++;
  int k = 0;
  while (k < 6 && !(strlen(kw[k]) == wlen && strncmp(w, kw[k], wlen) == 0)) k++;
  lexer lx;
  lex_init_at(&lx, st, st->text, k < 6 ? (size_t)(w + wlen - st->text) : strlen(st->text));
  int col = (int)hash + 1;
  bool outer = !skipping(st);
  struct cond *c = st->nconds > st->top->cond_depth ? &st->conds[st->nconds - 1] : NULL;
  bool ok = true, v;
  switch (k) {
  case 0: case 1: case 2: /* #if #ifdef #ifndef */
    v = outer && cond_value(st, &lx, "ydn"[k], &ok);
    /* On an error take no branch at all, so one mistake is one message. */
    push_cond(st, v, !outer || v || !ok, outer, col);
    break;
  case 3: /* #elif */
    if (!c) {
      if (outer) asm_error(st, col, "#elif without #if");
      break;
    }
    if (c->seen_else) {
      if (c->outer) asm_error(st, col, "#elif after #else");
      c->active = false;
      break;
    }
    v = c->outer && !c->taken && cond_value(st, &lx, 'y', &ok);
    c->active = v;
    c->taken = c->taken || v || !ok;
    break;
  case 4: /* #else */
    if (!c) {
      if (outer) asm_error(st, col, "#else without #if");
      break;
    }
    if (c->seen_else && c->outer) asm_error(st, col, "#else after #else");
    c->seen_else = true;
    c->active = c->outer && !c->taken;
    c->taken = true;
    if (c->outer) asm_end_of_statement(st, &lx);
    break;
  case 5: /* #endif */
    if (!c) {
      if (outer) asm_error(st, col, "#endif without #if");
      break;
    }
    if (c->outer) asm_end_of_statement(st, &lx);
    free(c->text);
    st->nconds--;
    break;
  default:
    if (outer)
      asm_error(st, col, "unknown directive '#%.*s' (conditionals are #if, #ifdef, #ifndef, "
                "#elif, #else, #endif)", (int)wlen, w);
  }
  lex_free(&lx);
}

/* ---- files ---- */

static frame *push_file(asm_state *st, const char *name, char *buf, size_t len, bool owned) {
  frame *f = src_push_frame(st);
  f->file = intern(st, name);
  f->buf = buf;
  f->len = len;
  f->owned = owned;
  f->real = realpath(name, NULL);
  st->file_depth++;
  return f;
}

/* Read a whole file (cli_read_file: a directory or an endless device is
 * refused); NULL with errno set on failure. */
char *src_read_file(const char *path, size_t *len) {
  char *buf, err[8];
  return cli_read_file(path, MAX_FILE_BYTES, &buf, len, err, sizeof err) == 0 ? buf : NULL;
}

void src_include(asm_state *st, const char *path, int col) {
  if (st->file_depth >= MAX_INCLUDE_DEPTH) {
    asm_error(st, col, "includes nested too deeply (over %d levels)", MAX_INCLUDE_DEPTH);
    return;
  }
  /* Candidates: as written if absolute; else beside the including file,
   * then in each -I directory. */
  int ndirs = st->opt->ninclude;
  char *name = NULL;
  int err = ENOENT;
  for (int i = -1; i < ndirs && !name; i++) {
    const char *dir;
    size_t dlen;
    if (path[0] == '/') {
      if (i >= 0) break;
      dir = "", dlen = 0;
    } else if (i < 0) {
      const char *slash = strrchr(st->pos.file, '/');
      dir = st->pos.file, dlen = slash ? (size_t)(slash - dir) + 1 : 0;
    } else {
      dir = st->opt->include_dirs[i], dlen = strlen(dir);
    }
    char *cand = malloc(dlen + strlen(path) + 2);
    if (!cand) abort();
    memcpy(cand, dir, dlen);
    size_t k = dlen;
    if (i >= 0 && dlen && dir[dlen - 1] != '/') cand[k++] = '/';
    strcpy(cand + k, path);
    if (access(cand, R_OK) == 0) { /* (opening a FIFO here would wait for a writer) */
      name = cand;
    } else {
      if (errno != ENOENT) err = errno;
      free(cand);
    }
  }
  if (!name) {
    asm_error(st, col, "cannot open include file '%s': %s", path, strerror(err));
    return;
  }
  char *real = realpath(name, NULL);
  for (frame *f = st->top; f && real; f = f->up)
    if (!f->is_macro && f->real && strcmp(f->real, real) == 0) {
      asm_error(st, col, "recursive .include of '%s'", path);
      free(real), free(name);
      return;
    }
  free(real);
  size_t len;
  char *buf = src_read_file(name, &len);
  if (!buf) {
    asm_error(st, col, "cannot read include file '%s': %s", path, strerror(errno));
    free(name);
    return;
  }
  if (st->opt->seen) st->opt->seen(st->opt->seen_ctx, name);
  push_file(st, name, buf, len, true);
  free(name);
}

/* ---- the line stream ---- */

void src_begin_pass(asm_state *st, const char *name, const char *text, size_t len) {
  st->expansions = 0;
  st->macro_lines = st->macro_bytes = 0;
  st->macro_cut = false;
  st->macro_serial = 0;
  push_file(st, name, (char *)text, len, false);
}

bool src_next_line(asm_state *st) {
  for (;;) {
    frame *f = st->top;
    if (!f || st->stopped) return false;
    int nul;
    if (!frame_line(st, f, &nul)) {
      pop_frame(st, true);
      continue;
    }
    st->line_frame = f;
    if (nul) {
      if (!skipping(st)) asm_error(st, nul, "NUL byte in source line");
      continue;
    }
    size_t lead = strspn(st->text, " \t");
    if (st->text[lead] == '#') {
      conditional(st, lead);
      continue;
    }
    if (skipping(st)) continue;
    if (st->defining) {
      macro_collect(st);
      continue;
    }
    return true;
  }
}

void src_end_pass(asm_state *st) {
  while (st->top) pop_frame(st, !st->stopped);
  st->line_frame = NULL;
}

void src_free_all(asm_state *st) {
  for (int i = 0; i < st->nmacros; i++) macro_free(st->macros[i]);
  free(st->macros);
  for (int i = 0; i < st->nnames; i++) free(st->names[i]);
  free(st->names);
  free(st->conds);
  free(st->text);
}
