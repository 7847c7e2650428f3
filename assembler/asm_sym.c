/* asm_sym.c: the symbol table and local labels.
 *
 * Three kinds of label:
 *   loop:        an ordinary label; it also opens a scope for dot labels.
 *   .next:       a dot label, stored as "loop.next" (scope.name), so the
 *                same .next can be reused under every ordinary label.  A
 *                reference to .next means the one in the current scope;
 *                loop.next names it from anywhere.
 *   1:           a numeric label (GNU style), referenced as 1b (the nearest
 *                one above) or 1f (the nearest one below).  They are not
 *                symbols and do not appear in the image.
 *
 * Symbols live in an array in definition order (so the image's symbol table
 * is deterministic) with an open-addressing hash on top.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "asm_int.h"

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

sym *sym_find(asm_state *st, const char *name) {
  symtab *t = &st->syms;
  if (!t->hcap) return NULL;
  for (uint32_t i = hash(name) & (uint32_t)(t->hcap - 1);; i = (i + 1) & (uint32_t)(t->hcap - 1)) {
    int k = t->hash[i];
    if (k == 0) return NULL;
    if (strcmp(t->v[k - 1].name, name) == 0) return &t->v[k - 1];
  }
}

static void rehash(symtab *t, int hcap) {
  int *h = calloc((size_t)hcap, sizeof *h);
  if (!h) abort();
  for (int k = 0; k < t->n; k++) {
    uint32_t i = hash(t->v[k].name) & (uint32_t)(hcap - 1);
    while (h[i]) i = (i + 1) & (uint32_t)(hcap - 1);
    h[i] = k + 1;
  }
  free(t->hash);
  t->hash = h;
  t->hcap = hcap;
}

sym *sym_intern(asm_state *st, const char *name) {
  sym *s = sym_find(st, name);
  if (s) return s;
  symtab *t = &st->syms;
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    sym *v = realloc(t->v, (size_t)t->cap * sizeof *v);
    if (!v) abort();
    t->v = v;
  }
  s = &t->v[t->n++];
  memset(s, 0, sizeof *s);
  s->name = strdup(name);
  if (!s->name) abort();
  if (t->n * 2 > t->hcap) /* keep the table at most half full */
    rehash(t, t->hcap ? t->hcap * 2 : 128);
  else {
    uint32_t i = hash(name) & (uint32_t)(t->hcap - 1);
    while (t->hash[i]) i = (i + 1) & (uint32_t)(t->hcap - 1);
    t->hash[i] = t->n;
  }
  return s;
}

char *sym_qualify(asm_state *st, const char *name) {
  size_t n = strlen(name);
  bool dot = name[0] == '.' && n > 1;
  const char *scope = dot && st->scope ? st->scope : "";
  char *full = malloc(strlen(scope) + n + 1);
  if (!full) abort();
  strcpy(full, scope);
  strcat(full, name);
  return full;
}

void sym_define(asm_state *st, const char *name, int col, int kind, const expr *val) {
  if (asm_register(name) >= 0) {
    asm_error(st, col, "'%s' is a register name and cannot be defined as a symbol", name);
    return;
  }
  char *full = sym_qualify(st, name);
  sym *s = sym_intern(st, full);
  if (s->defpass == st->pass) {
    asm_error(st, col, "symbol '%s' is already defined", full);
    if (s->pos.line > 0) asm_note_at(st, s->pos, "previous definition of '%s' was here", full);
    free(full);
    return;
  }
  if (kind == SYM_LABEL) {
    int64_t dot = asm_dot(st);
    if (dot < 0 || dot > 0xffffffffll) {
      asm_error(st, col, "label '%s' is past the end of the address space", full);
      free(full);
      return;
    }
    /* Invariant: both passes lay out the same bytes (see asm_int.h). */
    if (st->pass == 2 && s->defpass == 1 && s->kind == SYM_LABEL && s->value != dot &&
        st->errors == 0)
      asm_error(st, col, "internal error: label '%s' moved from 0x%llx to 0x%llx", full,
                (long long)s->value, (long long)dot);
    s->value = dot;
    s->known = s->early = s->addr = true;
  } else {
    s->value = val->v;
    s->known = val->known;
    s->early = val->early;
    s->addr = kind == SYM_EQU && val->reloc == 1;
  }
  s->kind = kind;
  s->defpass = st->pass;
  s->pos = st->pos;
  s->col = col;
  /* An ordinary label opens a scope; dot labels and qualified names
   * (loop.next, as vdis prints them) do not. */
  if (kind == SYM_LABEL && !strchr(name, '.')) {
    free(st->scope);
    st->scope = strdup(name);
  }
  free(full);
}

void sym_numeric_label(asm_state *st, int64_t num) {
  if (st->pass == 1) {
    if (st->nnlabels == st->capnlabels) {
      st->capnlabels = st->capnlabels ? st->capnlabels * 2 : 64;
      void *v = realloc(st->nlabels, (size_t)st->capnlabels * sizeof *st->nlabels);
      if (!v) abort();
      st->nlabels = v;
    }
    st->nlabels[st->nnlabels++] = (struct nlabel){num, (uint32_t)asm_dot(st)};
  }
  st->nlabels_seen++;
}

bool sym_numeric_ref(asm_state *st, int64_t num, char dir, int col, expr *out) {
  *out = (expr){0, false, false, 0};
  if (dir == 'b') {
    for (int i = st->nlabels_seen - 1; i >= 0; i--)
      if (st->nlabels[i].num == num) {
        *out = (expr){st->nlabels[i].addr, true, true, 1};
        return true;
      }
  } else {
    /* Pass 1 has seen only the labels above, so 1f is unknown there. */
    for (int i = st->nlabels_seen; i < st->nnlabels; i++)
      if (st->nlabels[i].num == num) {
        *out = (expr){st->nlabels[i].addr, true, false, 1};
        return true;
      }
  }
  if (st->pass == 1) return true;
  asm_error(st, col, "no local label '%lld:' %s this line", (long long)num,
            dir == 'b' ? "before" : "after");
  return false;
}

void sym_free_all(asm_state *st) {
  for (int i = 0; i < st->syms.n; i++) {
    free(st->syms.v[i].name);
    free(st->syms.v[i].gtext);
  }
  free(st->syms.v);
  free(st->syms.hash);
  free(st->scope);
  free(st->nlabels);
}

int asm_register(const char *name) { return isa_reg_number(name, true); }

bool asm_is_label_name(const char *name) {
  if (!isalpha((unsigned char)name[0]) && name[0] != '_') return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') return false;
  return asm_register(name) < 0;
}
