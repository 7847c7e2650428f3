/* asm_lex.c: the tokens of one source line.
 *
 * A line is split on demand: lx->tok is the current token, lex_next moves
 * on.  Comments (`;` or `//` to the end of the line) end the line.  `#`
 * starts a conditional-assembly line and is handled before the lexer sees
 * the line (asm_src.c), so here it is just an unexpected character.
 *
 * Numbers:  123  0x7f  0b1010  'a'  '\n'      Local label refs:  1b  1f
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

/* ctype functions want an unsigned char: source bytes may be >= 0x80. */
static bool is_ident_start(int c) { return isalpha((unsigned char)c) || c == '_' || c == '.'; }
static bool is_ident_char(int c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

void lex_init(lexer *lx, asm_state *st, const char *line) { lex_init_at(lx, st, line, 0); }

/* Start at byte pos of the line (after a '#', say); columns still count
 * from the start of the line. */
void lex_init_at(lexer *lx, asm_state *st, const char *line, size_t pos) {
  memset(lx, 0, sizeof *lx);
  lx->st = st;
  lx->line = line;
  lx->pos = pos;
  lex_next(lx);
}

void lex_free(lexer *lx) {
  free(lx->buf);
  lx->buf = NULL;
}

static void put_byte(lexer *lx, size_t *n, int c) {
  if (*n + 1 >= lx->cap) {
    size_t cap = lx->cap ? lx->cap * 2 : 64;
    char *b = realloc(lx->buf, cap);
    if (!b) abort(); /* out of memory: nothing sensible to do */
    lx->buf = b;
    lx->cap = cap;
  }
  lx->buf[(*n)++] = (char)c;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* One character of a string or character literal at *i (after any
 * backslash), C escapes included.  -1 on error (reported). */
static int lex_char(lexer *lx, size_t *i) {
  const char *s = lx->line;
  int col = (int)*i + 1;
  int c = (unsigned char)s[(*i)++];
  if (c != '\\') return c;
  c = (unsigned char)s[(*i)++];
  switch (c) {
  case 'n': return '\n';
  case 't': return '\t';
  case 'r': return '\r';
  case 'a': return '\a';
  case 'b': return '\b';
  case 'f': return '\f';
  case 'v': return '\v';
  case 'e': return 27;
  case '\\': case '\'': case '"': case '?': return c;
  case 'x': {
    int v = 0, n = 0;
    while (n < 2 && hexval(s[*i]) >= 0) v = v * 16 + hexval(s[(*i)++]), n++;
    if (n == 0) break;
    return v;
  }
  default:
    if (c >= '0' && c <= '7') { /* octal, up to three digits: \0 \012 */
      int v = c - '0';
      for (int n = 1; n < 3 && s[*i] >= '0' && s[*i] <= '7'; n++) v = v * 8 + s[(*i)++] - '0';
      if (v > 255) break;
      return v;
    }
    if (c == 0) {
      (*i)--;
      return -2; /* backslash at the end of the line: the caller says unterminated */
    }
  }
  asm_error(lx->st, col, "unknown escape sequence '\\%c'", isprint(c) ? c : '?');
  return -1;
}

static void lex_string(lexer *lx, token *t) {
  size_t i = lx->pos + 1, n = 0;
  bool bad = false;
  for (;;) {
    if (lx->line[i] == 0) {
      asm_error(lx->st, t->col, "unterminated string");
      t->kind = T_ERROR;
      lx->pos = i;
      return;
    }
    if (lx->line[i] == '"') break;
    int c = lex_char(lx, &i);
    if (c == -2) continue; /* at the NUL: reported above on the next turn */
    if (c < 0)
      bad = true;
    else
      put_byte(lx, &n, c);
  }
  put_byte(lx, &n, 0);
  lx->pos = i + 1;
  t->kind = bad ? T_ERROR : T_STR;
  t->str = lx->buf;
  t->slen = n - 1;
}

static void lex_charlit(lexer *lx, token *t) {
  size_t i = lx->pos + 1;
  const char *s = lx->line;
  t->kind = T_ERROR;
  if (s[i] == '\'' || s[i] == 0) {
    asm_error(lx->st, t->col, s[i] ? "empty character literal" : "unterminated character literal");
    lx->pos = i + (s[i] != 0);
    return;
  }
  int c = lex_char(lx, &i);
  if (c == -2 || s[i] == 0) {
    asm_error(lx->st, t->col, "unterminated character literal");
    lx->pos = i;
    return;
  }
  if (s[i] != '\'') {
    while (s[i] && s[i] != '\'') i++;
    if (s[i] == 0) {
      asm_error(lx->st, t->col, "unterminated character literal");
      lx->pos = i;
      return;
    }
    asm_error(lx->st, t->col, "character literal has more than one character");
    lx->pos = i + 1;
    return;
  }
  lx->pos = i + 1;
  if (c < 0) return;
  t->kind = T_NUM;
  t->num = c;
}

/* 123, 0x7f, 0b101, and the local-label references 1b / 1f. */
static void lex_number(lexer *lx, token *t) {
  const char *s = lx->line;
  size_t i = lx->pos;
  uint64_t v = 0;
  int base = 10;
  bool overflow = false, digits = false;
  if (s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') && hexval(s[i + 2]) >= 0)
    base = 16, i += 2;
  else if (s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B') && (s[i + 2] == '0' || s[i + 2] == '1'))
    base = 2, i += 2;
  for (;; i++) {
    int d = hexval(s[i]);
    if (d < 0 || d >= base) break;
    v = v * (uint64_t)base + (uint64_t)d;
    if (v > 0xffffffffu) overflow = true, v = 0xffffffffu;
    digits = true;
  }
  t->decimal = base == 10;
  if (base == 10 && digits && (s[i] == 'b' || s[i] == 'f') && !is_ident_char(s[i + 1])) {
    t->kind = T_LOCALREF;
    t->num = (int64_t)v;
    t->dir = s[i];
    lx->pos = i + 1;
    if (overflow) {
      asm_error(lx->st, t->col, "local label number too large");
      t->kind = T_ERROR;
    }
    return;
  }
  lx->pos = i;
  if (is_ident_char(s[i])) {
    while (is_ident_char(s[lx->pos])) lx->pos++;
    asm_error(lx->st, t->col, "invalid number '%.*s'", (int)(lx->pos - t->col + 1),
              s + t->col - 1);
    t->kind = T_ERROR;
    return;
  }
  if (overflow) {
    asm_error(lx->st, t->col, "number '%.*s' does not fit in 32 bits", (int)(i - t->col + 1),
              s + t->col - 1);
    t->kind = T_ERROR;
    return;
  }
  t->kind = T_NUM;
  t->num = (int64_t)v;
}

void lex_next(lexer *lx) {
  token *t = &lx->tok;
  const char *s = lx->line;
  while (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\r' || s[lx->pos] == '\f' ||
         s[lx->pos] == '\v')
    lx->pos++;
  memset(t, 0, sizeof *t);
  t->col = (int)lx->pos + 1;
  t->p = s + lx->pos;
  int c = (unsigned char)s[lx->pos];
  if (c == 0 || c == ';' || (c == '/' && s[lx->pos + 1] == '/')) {
    t->kind = T_END;
    while (s[lx->pos]) lx->pos++; /* a comment runs to the end of the line */
    return;
  }
  if (is_ident_start(c)) {
    while (is_ident_char(s[lx->pos])) lx->pos++;
    t->kind = T_IDENT;
  } else if (c >= '0' && c <= '9') {
    lex_number(lx, t);
  } else if (c == '"') {
    lex_string(lx, t);
  } else if (c == '\'') {
    lex_charlit(lx, t);
  } else {
    static const struct {
      char s[3];
      int op;
    } two[] = {{"<<", P_SHL}, {">>", P_SHR}, {"<=", P_LE}, {">=", P_GE},
               {"==", P_EQ},  {"!=", P_NE},  {"&&", P_ANDAND}, {"||", P_OROR}};
    t->kind = T_PUNCT;
    t->op = c;
    lx->pos++;
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
      if (c == two[k].s[0] && s[lx->pos] == two[k].s[1]) {
        t->op = two[k].op;
        lx->pos++;
        break;
      }
    if (t->op == c && !strchr("+-*/%&|^~!()<>,:=", c)) {
      if (isprint(c))
        asm_error(lx->st, t->col, "unexpected character '%c'", c);
      else
        asm_error(lx->st, t->col, "unexpected byte 0x%02x", (unsigned)c);
      t->kind = T_ERROR;
    }
  }
  t->len = (size_t)(s + lx->pos - t->p);
}

int lex_peek_char(const lexer *lx) {
  size_t i = lx->pos;
  while (lx->line[i] == ' ' || lx->line[i] == '\t') i++;
  return (unsigned char)lx->line[i];
}

bool lex_is(const lexer *lx, int op) { return lx->tok.kind == T_PUNCT && lx->tok.op == op; }

bool lex_ident_is(const lexer *lx, const char *s) {
  return lx->tok.kind == T_IDENT && strlen(s) == lx->tok.len &&
         strncmp(lx->tok.p, s, lx->tok.len) == 0;
}

char *lex_strdup(const lexer *lx) {
  char *s = strndup(lx->tok.p, lx->tok.len);
  if (!s) abort();
  return s;
}
