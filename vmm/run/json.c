/* json.c: see json.h. */
#include "json.h"

static void indent(json *j) {
  for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

static void write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

/* Separator, newline, indentation and key of the next member. */
static void member(json *j, const char *key) {
  if (j->depth > 0) {
    if (!j->first[j->depth]) fputc(',', j->f);
    fputc('\n', j->f);
    j->first[j->depth] = false;
    indent(j);
  }
  if (key) {
    write_string(j->f, key);
    fputs(": ", j->f);
  }
}

void json_init(json *j, FILE *f) {
  j->f = f;
  j->depth = 0;
}

static void open(json *j, const char *key, char ch) {
  member(j, key);
  fputc(ch, j->f);
  if (j->depth + 1 < JSON_MAX_DEPTH) j->depth++;
  j->first[j->depth] = true;
  j->close[j->depth] = ch == '{' ? '}' : ']';
}

void json_object(json *j, const char *key) { open(j, key, '{'); }
void json_array(json *j, const char *key) { open(j, key, '['); }

void json_end(json *j) {
  bool empty = j->first[j->depth];
  char ch = j->close[j->depth];
  j->depth--;
  if (!empty) {
    fputc('\n', j->f);
    indent(j);
  }
  fputc(ch, j->f);
  if (j->depth == 0) fputc('\n', j->f);
}

void json_u64(json *j, const char *key, uint64_t v) {
  member(j, key);
  fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_double(json *j, const char *key, double v) {
  member(j, key);
  fprintf(j->f, "%.6f", v);
}

void json_str(json *j, const char *key, const char *s) {
  member(j, key);
  write_string(j->f, s);
}

void json_bool(json *j, const char *key, bool v) {
  member(j, key);
  fputs(v ? "true" : "false", j->f);
}
