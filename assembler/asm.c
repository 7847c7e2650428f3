/* asm.c: the assembler's two passes, its output and its public API.
 *
 * A statement is
 *
 *   [label:]... [instruction | directive | macro call | NAME = expr] [; comment]
 *
 * Pass 1 and pass 2 run exactly the same code over the same lines; the
 * only differences are that pass 1 is silent and keeps no bytes, and that
 * in pass 2 every label is already known (see asm_int.h for why the two
 * passes cannot disagree about addresses).
 *
 * Output bytes go into chunks: a chunk grows while bytes come at its end,
 * and .org elsewhere starts a new one.  At the end the chunks are sorted,
 * adjacent ones merged, and each run becomes one segment of the image.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

/* ---- output ---- */

static void note_line_bytes(asm_state *st, const uint8_t *b, uint8_t fill, uint32_t n) {
  enum { KEEP = 16 }; /* the listing shows at most this many bytes a line */
  if (!st->opt->listing || st->pass != 2) return;
  if (!st->linebytes) {
    st->linebytes = malloc(KEEP);
    if (!st->linebytes) abort();
  }
  for (uint32_t i = 0; i < n && st->nlinebytes < KEEP; i++)
    st->linebytes[st->nlinebytes++] = b ? b[i] : fill;
  st->linebytes_total += n;
}

static chunk *current_chunk(asm_state *st) {
  chunk *c = st->nchunks ? &st->chunks[st->nchunks - 1] : NULL;
  if (c && (uint64_t)c->addr + c->size == st->loc) return c;
  if (st->nchunks == st->capchunks) {
    st->capchunks = st->capchunks ? st->capchunks * 2 : 8;
    chunk *v = realloc(st->chunks, (size_t)st->capchunks * sizeof *v);
    if (!v) abort();
    st->chunks = v;
  }
  c = &st->chunks[st->nchunks++];
  *c = (chunk){(uint32_t)st->loc, 0, 0, NULL, st->pos, strdup(st->text)};
  return c;
}

/* Emit n bytes (or n copies of fill if bytes is NULL) at the location
 * counter.  Pass 1 only counts. */
static void emit(asm_state *st, const uint8_t *bytes, uint8_t fill, uint32_t n) {
  if (n == 0) return;
  if (st->loc + n > 0x100000000ull) {
    asm_error(st, 1, "output goes past the end of the address space (0xffffffff)");
    return;
  }
  if (st->total + n > st->max_output) {
    asm_error(st, 1, "output too large (over %u bytes)", st->max_output);
    st->loc += n;
    return;
  }
  st->total += n;
  note_line_bytes(st, bytes, fill, n);
  if (st->pass == 2) {
    chunk *c = current_chunk(st);
    if (c->size + n > c->cap) {
      uint32_t cap = c->cap ? c->cap : 256;
      while (cap < c->size + n) cap *= 2;
      uint8_t *d = realloc(c->data, cap);
      if (!d) abort();
      c->data = d;
      c->cap = cap;
    }
    if (bytes)
      memcpy(c->data + c->size, bytes, n);
    else
      memset(c->data + c->size, fill, n);
    c->size += n;
  }
  st->loc += n;
}

void asm_emit(asm_state *st, const uint8_t *bytes, uint32_t n) { emit(st, bytes, 0, n); }
void asm_emit_fill(asm_state *st, uint8_t byte, uint32_t n) { emit(st, NULL, byte, n); }

void asm_emit_word(asm_state *st, uint32_t w) {
  uint8_t b[4] = {(uint8_t)w, (uint8_t)(w >> 8), (uint8_t)(w >> 16), (uint8_t)(w >> 24)};
  emit(st, b, 0, 4);
}

bool asm_end_of_statement(asm_state *st, lexer *lx) {
  if (lx->tok.kind == T_END) return true;
  if (lx->tok.kind != T_ERROR)
    asm_error(st, lx->tok.col, "unexpected '%.*s' at the end of the statement", (int)lx->tok.len,
              lx->tok.p);
  return false;
}

/* ---- the listing ---- */

typedef struct lline {
  char *file, *text;
  int line;
  uint32_t addr, nbytes;
  uint8_t bytes[16];
} lline;

struct asm_listing {
  lline *v;
  int n, cap;
};

asm_listing *asm_listing_new(void) { return calloc(1, sizeof(asm_listing)); }

void asm_listing_free(asm_listing *l) {
  if (!l) return;
  for (int i = 0; i < l->n; i++) free(l->v[i].file), free(l->v[i].text);
  free(l->v);
  free(l);
}

static void listing_add(asm_state *st, uint64_t addr) {
  asm_listing *l = st->opt->listing;
  if (!l || st->pass != 2) return;
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 256;
    lline *v = realloc(l->v, (size_t)l->cap * sizeof *v);
    if (!v) abort();
    l->v = v;
  }
  lline *e = &l->v[l->n++];
  memset(e, 0, sizeof *e);
  e->file = strdup(st->pos.file);
  e->text = strdup(st->text);
  if (!e->file || !e->text) abort();
  e->line = st->pos.line;
  e->addr = (uint32_t)addr;
  e->nbytes = st->linebytes_total;
  if (st->nlinebytes) memcpy(e->bytes, st->linebytes, st->nlinebytes);
}

/* ADDRESS  BYTES (as little-endian words)  FILE:LINE  SOURCE */
void asm_write_listing(FILE *f, const asm_listing *l) {
  for (int i = 0; i < l->n; i++) {
    const lline *e = &l->v[i];
    char where[64], word[16] = "";
    snprintf(where, sizeof where, "%s:%d", e->file, e->line);
    uint32_t shown = e->nbytes < 16 ? e->nbytes : 16;
    for (uint32_t off = 0; off == 0 || off < shown; off += 4) {
      word[0] = 0;
      uint32_t g = shown - off < 4 ? shown - off : 4;
      for (uint32_t k = g; k-- > 0;) /* little-endian: highest byte first */
        snprintf(word + 2 * (g - 1 - k), sizeof word - 2 * (g - 1 - k), "%02x", e->bytes[off + k]);
      if (off == 0)
        fprintf(f, "%08x  %-8s  %-20s %s\n", e->addr, word, where, e->text);
      else
        fprintf(f, "%08x  %-8s\n", e->addr + off, word);
    }
    if (e->nbytes > shown) fprintf(f, "          ... (%u bytes)\n", e->nbytes);
  }
}

/* ---- statements ---- */

static void statement(asm_state *st) {
  lexer lx;
  uint64_t start = st->loc;
  st->nlinebytes = st->linebytes_total = 0;
  lex_init(&lx, st, st->text);
  for (;;) { /* labels */
    token *t = &lx.tok;
    if (lex_peek_char(&lx) != ':') break;
    if (t->kind == T_IDENT && !(t->len == 1 && t->p[0] == '.')) {
      char *name = lex_strdup(&lx);
      sym_define(st, name, t->col, SYM_LABEL, NULL);
      free(name);
    } else if (t->kind == T_NUM && t->decimal) {
      sym_numeric_label(st, t->num);
    } else {
      break;
    }
    lex_next(&lx);
    lex_next(&lx);
    start = st->loc;
  }
  token *t = &lx.tok;
  if (t->kind == T_IDENT) {
    /* The statement's name, for the messages and the macro lookup below
     * (on the stack when short, as mnemonics and directives are: every
     * line has one). */
    char small[32], *name = small;
    if (t->len < sizeof small) {
      memcpy(small, t->p, t->len);
      small[t->len] = 0;
    } else {
      name = lex_strdup(&lx);
    }
    int col = t->col;
    const char *after = lx.line + lx.pos;
    macro *m;
    if (lex_peek_char(&lx) == '=' && after[strspn(after, " \t") + 1] != '=') {
      dir_assign(st, &lx);
    } else if (name[0] == '.') {
      if (!dir_statement(st, &lx)) asm_error(st, col, "unknown directive '%s'", name);
    } else if (insn_statement(st, &lx)) {
      /* done */
    } else if ((m = macro_find(st, name)) && m->defpass == st->pass) {
      macro_expand(st, m, after, col);
    } else {
      asm_error(st, col, "unknown instruction '%s'", name);
    }
    if (name != small) free(name);
  } else if (t->kind != T_END && t->kind != T_ERROR) {
    asm_error(st, t->col, "expected a label, instruction or directive");
  }
  listing_add(st, start);
  lex_free(&lx);
}

/* -D NAME or -D NAME=VALUE, defined before each pass. */
static void define_cmdline(asm_state *st, const char *def) {
  st->pos = (srcpos){"<command-line>", 1};
  free(st->text);
  st->text = strdup(def);
  st->textcap = strlen(def) + 1;
  if (!st->text) abort();
  const char *eq = strchr(def, '=');
  size_t n = eq ? (size_t)(eq - def) : strlen(def);
  char *name = strndup(def, n);
  if (!name) abort();
  expr e = {1, true, true, 0};
  if (!asm_is_label_name(name)) {
    asm_error(st, 1, "bad -D name '%s'", name);
  } else if (eq) {
    lexer lx;
    lex_init_at(&lx, st, st->text, n + 1);
    int col = lx.tok.col;
    if (expr_parse(&lx, EXPR_COND, &e) && asm_end_of_statement(st, &lx) &&
        asm_need_early(st, &e, col))
      sym_define(st, name, 1, SYM_DEFINE, &e);
    lex_free(&lx);
  } else {
    sym_define(st, name, 1, SYM_DEFINE, &e);
  }
  free(name);
}

static void run_pass(asm_state *st, int pass, const char *name, const char *src, size_t len) {
  st->pass = pass;
  st->loc = st->total = 0;
  st->phase = 0;
  st->phased = false;
  st->nlabels_seen = 0;
  st->have_entry = false;
  st->entry = 0;
  free(st->scope);
  st->scope = NULL;
  for (int i = 0; i < st->opt->ndefines; i++) define_cmdline(st, st->opt->defines[i]);
  src_begin_pass(st, name, src, len);
  while (src_next_line(st)) statement(st);
  src_end_pass(st);
}

static int cmp_chunk(const void *a, const void *b) {
  const chunk *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Globals that never got a definition, and output that overlaps. */
static void final_checks(asm_state *st) {
  for (int i = 0; i < st->syms.n; i++) {
    sym *s = &st->syms.v[i];
    if (s->global && s->defpass != 2)
      asm_error_at(st, s->gpos, s->gcol, s->gtext, "global symbol '%s' is never defined", s->name);
  }
  if (st->nchunks > 1) qsort(st->chunks, (size_t)st->nchunks, sizeof *st->chunks, cmp_chunk);
  for (int i = 1; i < st->nchunks; i++) {
    const chunk *a = &st->chunks[i - 1], *b = &st->chunks[i];
    if ((uint64_t)a->addr + a->size > b->addr)
      asm_error_at(st, b->pos, 1, b->text, "output at 0x%x overlaps output from %s:%d (0x%x..0x%x)",
                   b->addr, a->pos.file, a->pos.line, a->addr, a->addr + a->size - 1);
  }
}

/* 0; -1 out of memory; -2 an error already reported. */
static int build_image(asm_state *st, image *img) {
  /* The chunks are sorted and do not overlap: merge each run of adjacent
   * ones into one segment. */
  for (int i = 0; i < st->nchunks;) {
    uint32_t addr = st->chunks[i].addr;
    uint64_t size = 0;
    int j = i;
    while (j < st->nchunks && (j == i || addr + size == st->chunks[j].addr))
      size += st->chunks[j++].size;
    uint8_t *buf = malloc(size);
    if (!buf) return -1;
    for (uint64_t off = 0; i < j; i++) {
      memcpy(buf + off, st->chunks[i].data, st->chunks[i].size);
      off += st->chunks[i].size;
    }
    int r = image_add_seg(img, addr, buf, (uint32_t)size);
    free(buf);
    if (r < 0) return -1;
  }
  for (int i = 0; i < st->syms.n; i++) {
    const sym *s = &st->syms.v[i];
    bool wanted = s->kind == SYM_LABEL || (s->kind == SYM_EQU && (s->addr || s->global));
    if (s->defpass != 2 || !wanted || !s->known || s->value < 0 || s->value > 0xffffffffll)
      continue;
    if (strlen(s->name) > IMAGE_MAX_NAME) { /* an image cannot hold it (image.h) */
      asm_diag_printf(st->diag, "%s:%d: error: symbol name longer than %d bytes\n", s->pos.file, s->pos.line,
                      IMAGE_MAX_NAME);
      st->diag->errors++;
      return -2;
    }
    if (image_add_sym(img, s->name, (uint32_t)s->value, s->global) < 0) return -1;
  }
  image_build_index(img); /* (out of memory: the image's queries scan instead) */
  if (st->have_entry)
    img->entry = st->entry;
  else if (image_lookup(img, "_start", &img->entry) < 0)
    img->entry = img->nsegs ? img->segs[0].addr : 0;
  return 0;
}

int asm_assemble(const asm_options *opt, const char *name, const char *src, size_t len,
                 image *out, asm_diag *diag) {
  static const asm_options defaults;
  asm_diag quiet = {0};
  if (!diag) diag = &quiet;
  memset(out, 0, sizeof *out);
  if (len > MAX_FILE_BYTES) { /* columns and line numbers are ints */
    asm_diag_printf(diag, "%s: error: source too large (over %u bytes)\n", name, MAX_FILE_BYTES);
    diag->errors++;
    asm_diag_free(&quiet);
    return -1;
  }
  asm_state *st = calloc(1, sizeof *st);
  if (!st) abort();
  st->opt = opt ? opt : &defaults;
  st->diag = diag;
  const asm_options *o = st->opt;
  st->max_output = o->max_output ? o->max_output : ASM_MAX_OUTPUT;
  st->max_macro_expansions = o->max_macro_expansions ? o->max_macro_expansions : ASM_MAX_MACRO_EXPANSIONS;
  st->max_macro_lines = o->max_macro_lines ? o->max_macro_lines : ASM_MAX_MACRO_LINES;
  st->max_macro_bytes = o->max_macro_bytes ? o->max_macro_bytes : ASM_MAX_MACRO_BYTES;
  memset(out, 0, sizeof *out);
  run_pass(st, 1, name, src, len);
  run_pass(st, 2, name, src, len);
  if (!st->stopped) final_checks(st);
  int r = st->errors ? -1 : 0;
  int built = r == 0 ? build_image(st, out) : 0;
  if (built < 0) {
    if (built == -1) {
      asm_diag_printf(diag, "%s: error: out of memory\n", name);
      diag->errors++;
    }
    image_free(out);
    r = -1;
  }
  for (int i = 0; i < st->nchunks; i++) free(st->chunks[i].data), free(st->chunks[i].text);
  free(st->chunks);
  free(st->linebytes);
  sym_free_all(st);
  src_free_all(st);
  free(st);
  asm_diag_free(&quiet);
  return r;
}

int asm_assemble_file(const asm_options *opt, const char *path, image *out, asm_diag *diag) {
  size_t len;
  memset(out, 0, sizeof *out);
  asm_diag quiet = {0};
  if (!diag) diag = &quiet;
  char *src = src_read_file(path, &len);
  if (!src) {
    asm_diag_printf(diag, "%s: error: %s\n", path, strerror(errno));
    diag->errors++;
    asm_diag_free(&quiet);
    return -1;
  }
  int r = asm_assemble(opt, path, src, len, out, diag);
  asm_diag_free(&quiet);
  free(src);
  return r;
}
