/* asm_diag.c: error messages, in the form compilers use:
 *
 *   prog.s:12:9: error: undefined symbol 'lopp'
 *       beq lopp
 *           ^
 *
 * Only pass 2 reports (pass 1 sees the same lines and would repeat every
 * message).  Each message goes to diag->out as it happens and is appended
 * to diag->text, which is what the tests compare.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

static void diag_put(asm_diag *d, const char *s, size_t n) {
  if (d->out) fwrite(s, 1, n, d->out);
  if (d->len + n + 1 > d->cap) {
    size_t cap = d->cap ? d->cap : 256;
    while (cap < d->len + n + 1) cap *= 2;
    char *t = realloc(d->text, cap);
    if (!t) return; /* keep what we have; the FILE* still got it */
    d->text = t;
    d->cap = cap;
  }
  memcpy(d->text + d->len, s, n);
  d->len += n;
  d->text[d->len] = 0;
}

static void diag_vprintf(asm_diag *d, const char *fmt, va_list ap) {
  char small[512];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) {
    va_end(ap2);
    return;
  }
  if ((size_t)n < sizeof small) {
    diag_put(d, small, (size_t)n);
  } else {
    char *big = malloc((size_t)n + 1);
    if (big) {
      vsnprintf(big, (size_t)n + 1, fmt, ap2);
      diag_put(d, big, (size_t)n);
      free(big);
    }
  }
  va_end(ap2);
}

void asm_diag_printf(asm_diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_vprintf(d, fmt, ap);
  va_end(ap);
}

/* The source line (control bytes shown as '?', so binary garbage cannot
 * upset a terminal) and a caret under column col.  Tabs are copied into the
 * caret line so the caret lines up whatever the tab width. */
static void show_line(asm_diag *d, const char *text, int col) {
  size_t n = strlen(text);
  char *line = malloc(n + 1), *caret = malloc(n + 2);
  if (!line || !caret) {
    free(line);
    free(caret);
    return;
  }
  size_t c = col < 1 ? 0 : (size_t)col - 1;
  if (c > n) c = n;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)text[i];
    line[i] = (ch < 32 && ch != '\t') || ch == 127 ? '?' : (char)ch;
    if (i < c) caret[i] = ch == '\t' ? '\t' : ' ';
  }
  line[n] = 0;
  caret[c] = '^';
  caret[c + 1] = 0;
  asm_diag_printf(d, "%s\n%s\n", line, caret);
  free(line);
  free(caret);
}

static bool count_error(asm_state *st) {
  if (st->pass != 2 || st->stopped) return false;
  st->errors++;
  st->diag->errors++;
  return true;
}

static void too_many(asm_state *st) {
  int max = st->opt->max_errors > 0 ? st->opt->max_errors : ASM_MAX_ERRORS;
  if (st->errors < max) return;
  asm_diag_printf(st->diag, "%s: note: too many errors (%d), stopping\n",
              st->names ? st->names[0] : "vasm", st->errors);
  st->stopped = true;
}

void asm_error(asm_state *st, int col, const char *fmt, ...) {
  if (!count_error(st)) return;
  va_list ap;
  va_start(ap, fmt);
  asm_diag_printf(st->diag, "%s:%d:%d: error: ", st->pos.file, st->pos.line, col);
  diag_vprintf(st->diag, fmt, ap);
  va_end(ap);
  diag_put(st->diag, "\n", 1);
  show_line(st->diag, st->text ? st->text : "", col);
  macro_note(st);
  too_many(st);
}

void asm_error_at(asm_state *st, srcpos pos, int col, const char *text, const char *fmt, ...) {
  if (!count_error(st)) return;
  va_list ap;
  va_start(ap, fmt);
  if (col > 0)
    asm_diag_printf(st->diag, "%s:%d:%d: error: ", pos.file, pos.line, col);
  else if (pos.line > 0)
    asm_diag_printf(st->diag, "%s:%d: error: ", pos.file, pos.line);
  else
    asm_diag_printf(st->diag, "%s: error: ", pos.file);
  diag_vprintf(st->diag, fmt, ap);
  va_end(ap);
  diag_put(st->diag, "\n", 1);
  if (text) show_line(st->diag, text, col);
  too_many(st);
}

void asm_note_at(asm_state *st, srcpos pos, const char *fmt, ...) {
  if (st->pass != 2 || st->stopped) return;
  va_list ap;
  va_start(ap, fmt);
  if (pos.line > 0)
    asm_diag_printf(st->diag, "%s:%d: note: ", pos.file, pos.line);
  else
    asm_diag_printf(st->diag, "%s: note: ", pos.file);
  diag_vprintf(st->diag, fmt, ap);
  va_end(ap);
  diag_put(st->diag, "\n", 1);
}

void asm_diag_free(asm_diag *diag) {
  free(diag->text);
  diag->text = NULL;
  diag->len = diag->cap = 0;
}
