/* asm_macro.c: .macro definitions and their expansion.
 *
 *   .macro NAME [param, ...]      defines NAME; the body is stored as text
 *   body lines                    and assembled at each use
 *   .endm
 *
 *   NAME arg, ...                 expands: \param becomes the argument's
 *                                 text, \@ a number unique to this
 *                                 expansion (for labels), \() nothing (to
 *                                 glue a parameter to what follows)
 *
 * A backslash not followed by a parameter name stays, so "\n" in a string
 * is still a newline.  Arguments are split at commas outside parentheses
 * and quotes.  A macro may use other macros; nesting and the total number
 * of expansions are capped, so a recursive or exponential macro ends with
 * an error instead of a hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asm_int.h"

void macro_free(macro *m) {
  for (int i = 0; i < m->nlines; i++) free(m->lines[i]);
  for (int i = 0; i < m->nparams; i++) free(m->params[i]);
  free(m->lines), free(m->linenos), free(m->params), free(m->name), free(m);
}

/* Append the expansion of one macro body line to st->text. */
bool macro_line(asm_state *st, const frame *f, const char *s) {
  size_t n = 0;
  char num[16];
  for (const char *p = s; *p;) {
    const char *add = p;
    size_t addlen = 1;
    if (*p != '\\') { /* a run of text without parameters, copied at once */
      addlen = strcspn(p, "\\");
      p += addlen;
    } else if (p[1] == '@') {
      snprintf(num, sizeof num, "%u", f->serial);
      add = num, addlen = strlen(num), p += 2;
    } else if (p[1] == '(' && p[2] == ')') {
      addlen = 0, p += 3;
    } else {
      size_t k = 1;
      while (p[k] == '_' || (p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
             (p[k] >= '0' && p[k] <= '9'))
        k++;
      int i = 0;
      while (i < f->m->nparams && !(strlen(f->m->params[i]) == k - 1 &&
                                    strncmp(f->m->params[i], p + 1, k - 1) == 0))
        i++;
      if (i < f->m->nparams)
        add = f->args[i], addlen = strlen(add), p += k;
      else
        p++; /* not a parameter: keep the backslash (it may be "\n") */
    }
    if (n + addlen + 1 > MAX_LINE_BYTES) return false;
    src_text_room(st, n + addlen);
    memcpy(st->text + n, add, addlen);
    n += addlen;
  }
  st->text[n] = 0;
  return true;
}

/* Does the line start with the directive (any case), as a whole word? */
static const char *starts_with(const char *line, const char *dir) {
  line += strspn(line, " \t");
  size_t n = strlen(dir);
  if (strncasecmp(line, dir, n) != 0) return NULL;
  char c = line[n];
  if (c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return NULL;
  return line + n;
}

static void install_macro(asm_state *st, macro *m) {
  macro *old = macro_find(st, m->name);
  if (old) { /* the pass-1 version: replace it in place, keeping the pointer */
    macro tmp = *old;
    *old = *m;
    *m = tmp;
    macro_free(m);
    return;
  }
  if (st->nmacros == st->capmacros) {
    st->capmacros = st->capmacros ? st->capmacros * 2 : 16;
    macro **v = realloc(st->macros, (size_t)st->capmacros * sizeof *v);
    if (!v) abort();
    st->macros = v;
  }
  st->macros[st->nmacros++] = m;
}

void macro_collect(asm_state *st) {
  macro *m = st->defining;
  const char *rest = starts_with(st->text, ".endm");
  if (rest) {
    lexer lx;
    lex_init_at(&lx, st, st->text, (size_t)(rest - st->text));
    asm_end_of_statement(st, &lx);
    lex_free(&lx);
    st->defining = NULL;
    free(st->defining_text);
    st->defining_text = NULL;
    install_macro(st, m);
    return;
  }
  if (starts_with(st->text, ".macro")) {
    asm_error(st, (int)strspn(st->text, " \t") + 1, "'.macro' inside the definition of '%s'",
              m->name);
    return;
  }
  char **lines = realloc(m->lines, (size_t)(m->nlines + 1) * sizeof *lines);
  int *linenos = realloc(m->linenos, (size_t)(m->nlines + 1) * sizeof *linenos);
  if (!lines || !linenos) abort();
  m->lines = lines;
  m->linenos = linenos;
  m->lines[m->nlines] = strdup(st->text);
  if (!m->lines[m->nlines]) abort();
  m->linenos[m->nlines++] = st->pos.line;
}

macro *macro_find(asm_state *st, const char *name) {
  for (int i = 0; i < st->nmacros; i++)
    if (strcmp(st->macros[i]->name, name) == 0) return st->macros[i];
  return NULL;
}

/* .macro NAME [param, ...]: lx is just past ".macro". */
void macro_start(asm_state *st, lexer *lx) {
  int col = lx->tok.col;
  if (lx->tok.kind != T_IDENT || lx->tok.p[0] == '.') {
    asm_error(st, col, "expected a macro name after .macro");
    return;
  }
  macro *m = calloc(1, sizeof *m);
  if (!m) abort();
  m->name = lex_strdup(lx);
  m->pos = st->pos;
  m->defpass = st->pass;
  macro *old = macro_find(st, m->name);
  bool bad = false;
  if (insn_is_mnemonic(m->name) || asm_register(m->name) >= 0) {
    asm_error(st, col, "'%s' is an instruction or register name and cannot name a macro", m->name);
    bad = true;
  } else if (old && old->defpass == st->pass) {
    asm_error(st, col, "macro '%s' is already defined", m->name);
    asm_note_at(st, old->pos, "previous definition of '%s' was here", m->name);
    bad = true;
  }
  lex_next(lx);
  while (!bad && lx->tok.kind != T_END) {
    if (m->nparams > 0) {
      if (!lex_is(lx, ',')) {
        asm_error(st, lx->tok.col, "expected ',' between macro parameters");
        bad = true;
        break;
      }
      lex_next(lx);
    }
    if (lx->tok.kind != T_IDENT || strchr("._", lx->tok.p[0]) ||
        memchr(lx->tok.p, '.', lx->tok.len)) {
      asm_error(st, lx->tok.col, "expected a parameter name");
      bad = true;
      break;
    }
    char *p = lex_strdup(lx);
    for (int i = 0; i < m->nparams && !bad; i++)
      if (strcmp(m->params[i], p) == 0) {
        asm_error(st, lx->tok.col, "duplicate macro parameter '%s'", p);
        bad = true;
      }
    char **v = realloc(m->params, (size_t)(m->nparams + 1) * sizeof *v);
    if (!v) abort();
    m->params = v;
    m->params[m->nparams++] = p;
    lex_next(lx);
  }
  /* Collect the body even after an error, so it is not assembled as code;
   * a bad definition is dropped at .endm by giving it an unusable name. */
  if (bad) m->name[0] = 0;
  st->defining = m;
  st->defining_frame = st->top;
  st->defining_col = col;
  st->defining_text = strdup(st->text);
}

/* Split "a, (b, c), 'x'" at top-level commas; comments end the list. */
static int split_args(const char *s, char ***out) {
  char **v = NULL;
  int n = 0;
  s += strspn(s, " \t");
  if (*s == 0 || *s == ';' || (s[0] == '/' && s[1] == '/')) {
    *out = NULL;
    return 0;
  }
  for (;;) {
    const char *start = s;
    int depth = 0;
    char quote = 0;
    for (; *s; s++) {
      if (quote) {
        if (*s == '\\' && s[1]) s++;
        else if (*s == quote) quote = 0;
      } else if (*s == '"' || *s == '\'') quote = *s;
      else if (*s == '(') depth++;
      else if (*s == ')') depth--;
      else if ((*s == ',' && depth <= 0) || *s == ';' || (s[0] == '/' && s[1] == '/')) break;
    }
    const char *end = s;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    start += strspn(start, " \t");
    char **nv = realloc(v, (size_t)(n + 1) * sizeof *nv);
    if (!nv) abort();
    v = nv;
    v[n] = strndup(start, end > start ? (size_t)(end - start) : 0);
    if (!v[n++]) abort();
    if (*s != ',') break;
    s++;
  }
  *out = v;
  return n;
}

void macro_expand(asm_state *st, macro *m, const char *args, int col) {
  if (st->macro_depth >= MAX_MACRO_DEPTH) {
    asm_error(st, col, "macros nested too deeply (over %d levels; recursive macro?)",
              MAX_MACRO_DEPTH);
    return;
  }
  if (++st->expansions > st->max_macro_expansions) {
    asm_error(st, col, "too many macro expansions (over %u)", st->max_macro_expansions);
    return;
  }
  char **v;
  int n = split_args(args, &v);
  if (n != m->nparams) {
    asm_error(st, col, "macro '%s' takes %d argument%s, got %d", m->name, m->nparams,
              m->nparams == 1 ? "" : "s", n);
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
    return;
  }
  frame *f = src_push_frame(st);
  f->is_macro = true;
  f->m = m;
  f->args = v;
  f->serial = st->macro_serial++;
  f->call = st->pos;
  f->file = st->pos.file;
  st->macro_depth++;
}

void macro_note(asm_state *st) {
  const frame *f = st->line_frame;
  if (f && f->is_macro) asm_note_at(st, f->call, "in expansion of macro '%s'", f->m->name);
}

