/* jsonkv.c: flatten a JSON file into `key = value` lines, for the deck.
 *
 *   jsonkv PREFIX FILE.json     prints PREFIX.a.b = value for every leaf
 *
 * {"tlb": {"misses": 5}} with prefix run.trap gives `run.trap.tlb.misses = 5`;
 * array elements are numbered from 0; strings are printed without their
 * quotes (escapes decoded, a newline as a space).  Anything that is not
 * JSON is an error: one line on stderr and exit status 1, so a broken
 * generator stops the build instead of leaving a value out.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  const char *s, *path; /* the text, the file's name for messages */
  size_t at;
  char key[1024];       /* the key so far: PREFIX.a.b */
} parser;

static void fail(parser *p, const char *why) {
  fprintf(stderr, "jsonkv: %s: byte %zu: %s\n", p->path, p->at, why);
  exit(1);
}

static void skip_ws(parser *p) {
  while (isspace((unsigned char)p->s[p->at])) p->at++;
}

/* A string at p->at into out (decoded; \uXXXX beyond ASCII becomes '?'). */
static void string(parser *p, char *out, size_t cap) {
  size_t n = 0;
  if (p->s[p->at] != '"') fail(p, "expected a string");
  p->at++;
  for (;;) {
    char c = p->s[p->at++];
    if (c == 0) fail(p, "unterminated string");
    if (c == '"') break;
    if (c == '\\') {
      char e = p->s[p->at++];
      switch (e) {
      case 'n': case 'r': case 't': c = ' '; break;
      case 'b': case 'f': c = ' '; break;
      case 'u':
        for (int i = 0; i < 4; i++)
          if (!isxdigit((unsigned char)p->s[p->at++])) fail(p, "bad \\u escape");
        c = '?';
        break;
      case '"': case '\\': case '/': c = e; break;
      default: fail(p, "bad escape");
      }
    }
    if (n + 1 >= cap) fail(p, "string too long");
    out[n++] = c;
  }
  out[n] = 0;
}

static void value(parser *p);

/* Append ".name" to the key, parse the value, cut the key back. */
static void member(parser *p, const char *name) {
  size_t len = strlen(p->key);
  if (len + strlen(name) + 2 >= sizeof p->key) fail(p, "key too long");
  if (len) strcat(p->key, ".");
  strcat(p->key, name);
  value(p);
  p->key[len] = 0;
}

static void leaf(parser *p, const char *text) {
  printf("%s = %s\n", p->key, text);
}

static void value(parser *p) {
  skip_ws(p);
  char c = p->s[p->at];
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    p->at++;
    skip_ws(p);
    if (p->s[p->at] == close) {
      p->at++;
      return;
    }
    for (int i = 0;; i++) {
      char name[256];
      skip_ws(p);
      if (c == '{') {
        string(p, name, sizeof name);
        skip_ws(p);
        if (p->s[p->at++] != ':') fail(p, "expected ':'");
      } else {
        snprintf(name, sizeof name, "%d", i);
      }
      member(p, name);
      skip_ws(p);
      char d = p->s[p->at++];
      if (d == close) return;
      if (d != ',') fail(p, "expected ',' or the end of an object or array");
    }
  }
  if (c == '"') {
    char text[4096];
    string(p, text, sizeof text);
    leaf(p, text);
    return;
  }
  size_t start = p->at;
  while (p->s[p->at] && (isalnum((unsigned char)p->s[p->at]) || strchr("+-.", p->s[p->at]))) p->at++;
  size_t n = p->at - start;
  if (n == 0 || n > 64) fail(p, "expected a value");
  char text[65];
  memcpy(text, p->s + start, n);
  text[n] = 0;
  char *end;
  if (strcmp(text, "true") && strcmp(text, "false") && strcmp(text, "null") && (strtod(text, &end), *end))
    fail(p, "not a number");
  leaf(p, text);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: jsonkv PREFIX FILE.json\n");
    return 2;
  }
  FILE *f = fopen(argv[2], "rb");
  if (!f) {
    perror(argv[2]);
    return 1;
  }
  static char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  if (n == sizeof buf - 1) {
    fprintf(stderr, "jsonkv: %s: too large\n", argv[2]);
    return 1;
  }
  buf[n] = 0;
  parser p = {buf, argv[2], 0, ""};
  snprintf(p.key, sizeof p.key, "%s", argv[1]);
  value(&p);
  skip_ws(&p);
  if (buf[p.at]) fail(&p, "text after the value");
  return fflush(stdout) == 0 ? 0 : 1;
}
