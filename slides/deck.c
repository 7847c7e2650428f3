/* deck.c: the slide deck, from slides/deck.md to one self-contained HTML file.
 *
 *   deck DECK.md VALUES SVGDIR TXTDIR OUT.html
 *
 * DECK.md is a small Markdown (below).  Every number comes from VALUES, the
 * `key = value` file the generator (slides/gen.sh) wrote in this build;
 * every picture is an SVG from SVGDIR, inlined; @include'd text comes from
 * TXTDIR.  A placeholder with no value, a missing picture or a missing file
 * is an error ("deck.md:LINE: ..."), all of them are reported, and no output
 * is written: the deck is always true of the code that built it.
 *
 * The source, one slide after another, separated by lines `---`:
 *
 *   # Title              a section slide (the first one is the title slide)
 *   ## Title             a slide's title
 *   text                 a paragraph (lines join until a blank line)
 *   - item, "  - item"   bullets, two levels
 *   > text               a callout
 *   | a | b |            a table; the first row is the head when a |---|
 *                        row follows it; columns after the first (the
 *                        numbers) align right
 *   ```  ...  ```        code, verbatim (placeholders still filled)
 *   ![caption](x.svg)    the picture SVGDIR/x.svg, scaled to the space left
 *   @include NAME        TXTDIR/NAME as code
 *   |||                  the rest of the slide goes in a right-hand column
 *   %% comment           not shown
 *   <!-- comment -->     not shown either (labs/cut.sh's markers: a handout
 *                        drops a slide's answer to a lab between them)
 *   @rows A B C ... @end the lines between, once per name, `{#}` = the name
 *
 * Inline: **bold**, *italic*, `code`, [text](url), and {{key}} or
 * {{key|FMT}}: the value, FMT `,` an integer with thousands separators,
 * `.N` fixed with N decimals.  Each filled value is written as
 * <span class="v" data-key="KEY" data-raw="VALUE">shown</span>, so a test
 * can check every number in the deck against the values file.
 *
 * The style and the slide-show script are deck.css and deck.js beside
 * DECK.md, inlined too: the output needs no network and no other file.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- growing buffers ---- */

typedef struct buf {
  char *p;
  size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) {
      fprintf(stderr, "deck: out of memory\n");
      exit(1);
    }
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
static void printf_(buf *b, const char *fmt, ...) {
  char tmp[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  put(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Escape for HTML text and attributes. */
static void esc(buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '<': puts_(b, "&lt;"); break;
    case '>': puts_(b, "&gt;"); break;
    case '&': puts_(b, "&amp;"); break;
    case '"': puts_(b, "&quot;"); break;
    default: put(b, s + i, 1);
    }
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  buf b = {0};
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) put(&b, tmp, n);
  fclose(f);
  if (!b.p) put(&b, "", 0);
  if (len) *len = b.n;
  return b.p;
}

/* ---- the deck's state ---- */

typedef struct kv {
  char *key, *val;
} kv;

typedef struct deck {
  kv *vals;
  size_t nvals;
  const char *src, *svgdir, *txtdir;
  int line;      /* the source line being rendered, for messages */
  int errors;
  int filled;    /* placeholders filled */
  int nsvg;      /* pictures inlined */
} deck;

static void error(deck *d, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%d: ", d->src, d->line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  d->errors++;
}

static int kv_cmp(const void *a, const void *b) { return strcmp(((const kv *)a)->key, ((const kv *)b)->key); }

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

/* VALUES: `key = value` lines, `#` comments.  A key given twice is an error
 * (two generators disagreeing). */
static int load_values(deck *d, const char *path) {
  char *text = read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "deck: %s: cannot read the values file\n", path);
    return -1;
  }
  size_t cap = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char *t = trim(line), *eq = strstr(t, " = ");
    if (!*t || *t == '#') continue;
    if (!eq) {
      fprintf(stderr, "deck: %s: not `key = value`: %s\n", path, t);
      return -1;
    }
    *eq = 0;
    if (d->nvals == cap) d->vals = realloc(d->vals, (cap = cap ? 2 * cap : 256) * sizeof *d->vals);
    d->vals[d->nvals++] = (kv){trim(t), trim(eq + 3)};
  }
  qsort(d->vals, d->nvals, sizeof *d->vals, kv_cmp);
  for (size_t i = 1; i < d->nvals; i++)
    if (strcmp(d->vals[i - 1].key, d->vals[i].key) == 0) {
      fprintf(stderr, "deck: %s: %s is given twice\n", path, d->vals[i].key);
      return -1;
    }
  return 0;
}

static const char *value_of(deck *d, const char *key) {
  kv k = {(char *)key, NULL};
  kv *v = bsearch(&k, d->vals, d->nvals, sizeof *d->vals, kv_cmp);
  return v ? v->val : NULL;
}

/* ---- placeholders ---- */

/* 1234567 -> "1,234,567" */
static void with_commas(buf *b, long long v) {
  char digits[32];
  snprintf(digits, sizeof digits, "%lld", v < 0 ? -v : v);
  if (v < 0) puts_(b, "-");
  size_t n = strlen(digits);
  for (size_t i = 0; i < n; i++) {
    put(b, digits + i, 1);
    if ((n - i - 1) % 3 == 0 && i + 1 < n) puts_(b, ",");
  }
}

/* {{key|fmt}} at s (after the braces are found): s..e is "key|fmt". */
static void placeholder(deck *d, buf *b, const char *s, size_t n) {
  char spec[256];
  if (n >= sizeof spec) n = sizeof spec - 1;
  memcpy(spec, s, n);
  spec[n] = 0;
  char *fmt = strchr(spec, '|');
  if (fmt) *fmt++ = 0;
  char *key = trim(spec);
  const char *v = value_of(d, key);
  if (!v) {
    error(d, "no value for {{%s}}", key);
    puts_(b, "??");
    return;
  }
  buf shown = {0};
  char *end;
  double x = strtod(v, &end);
  if (!fmt || !*fmt) {
    puts_(&shown, v);
  } else if (*end || end == v) {
    error(d, "{{%s|%s}}: the value '%s' is not a number", key, fmt, v);
  } else if (strcmp(fmt, ",") == 0) {
    with_commas(&shown, llround(x));
  } else if (fmt[0] == '.' && isdigit((unsigned char)fmt[1]) && !fmt[2]) {
    printf_(&shown, "%.*f", fmt[1] - '0', x);
  } else {
    error(d, "{{%s|%s}}: unknown format (`,` or `.N`)", key, fmt);
  }
  puts_(b, "<span class=\"v\" data-key=\"");
  esc(b, key, strlen(key));
  puts_(b, "\" data-raw=\"");
  esc(b, v, strlen(v));
  puts_(b, "\">");
  if (shown.p) esc(b, shown.p, shown.n);
  puts_(b, "</span>");
  free(shown.p);
  d->filled++;
}

/* ---- inline text ---- */

/* Text with placeholders; with markup, also ** * ` and links. */
static void inline_text(deck *d, buf *b, const char *s, size_t n, bool markup) {
  bool bold = false, ital = false;
  for (size_t i = 0; i < n; i++) {
    const char *c = s + i;
    if (c[0] == '{' && i + 1 < n && c[1] == '{') {
      const char *close = strstr(c + 2, "}}");
      if (!close || close > s + n) {
        error(d, "unclosed {{");
        return;
      }
      placeholder(d, b, c + 2, (size_t)(close - c - 2));
      i = (size_t)(close - s) + 1;
      continue;
    }
    if (!markup) {
      esc(b, c, 1);
      continue;
    }
    if (c[0] == '`') {
      const char *close = memchr(c + 1, '`', n - i - 1);
      if (close) {
        puts_(b, "<code>");
        inline_text(d, b, c + 1, (size_t)(close - c - 1), false);
        puts_(b, "</code>");
        i = (size_t)(close - s);
        continue;
      }
    }
    if (c[0] == '*' && i + 1 < n && c[1] == '*') {
      puts_(b, bold ? "</strong>" : "<strong>");
      bold = !bold;
      i++;
      continue;
    }
    if (c[0] == '*' && (ital || (i + 1 < n && !isspace((unsigned char)c[1])))) {
      puts_(b, ital ? "</em>" : "<em>");
      ital = !ital;
      continue;
    }
    if (c[0] == '[') {
      const char *mid = strstr(c, "](");
      const char *close = mid ? strchr(mid, ')') : NULL;
      if (mid && close && close < s + n) {
        puts_(b, "<a href=\"");
        esc(b, mid + 2, (size_t)(close - mid - 2));
        puts_(b, "\">");
        inline_text(d, b, c + 1, (size_t)(mid - c - 1), true);
        puts_(b, "</a>");
        i = (size_t)(close - s);
        continue;
      }
    }
    esc(b, c, 1);
  }
  if (bold) puts_(b, "</strong>");
  if (ital) puts_(b, "</em>");
}

static void inline_str(deck *d, buf *b, const char *s) { inline_text(d, b, s, strlen(s), true); }

/* ---- pictures and included text ---- */

/* SVGDIR/NAME inlined: without the XML prolog, doctype and comments, and
 * without the root's width and height, so CSS can scale it. */
static void picture(deck *d, buf *b, const char *name, const char *caption) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", d->svgdir, name);
  char *svg = read_file(path, NULL);
  char *root = svg ? strstr(svg, "<svg") : NULL;
  if (!root) {
    error(d, "picture %s: %s", name, svg ? "not an SVG" : "no such file (was it generated?)");
    free(svg);
    return;
  }
  printf_(b, "<figure class=\"fig\" data-svg=\"%s\">", name);
  char *tag_end = strchr(root, '>');
  for (char *p = root; p < tag_end; p++) { /* the root tag, less width= and height= */
    if ((strncmp(p, " width=\"", 8) == 0 || strncmp(p, " height=\"", 9) == 0)) {
      p = strchr(strchr(p, '"') + 1, '"');
      continue;
    }
    put(b, p, 1);
  }
  for (char *p = tag_end; *p;) { /* the rest, less comments */
    char *c = strstr(p, "<!--");
    if (!c) {
      puts_(b, p);
      break;
    }
    put(b, p, (size_t)(c - p));
    char *e = strstr(c, "-->");
    p = e ? e + 3 : c + strlen(c);
  }
  if (caption && *caption) {
    puts_(b, "<figcaption>");
    inline_str(d, b, caption);
    puts_(b, "</figcaption>");
  }
  puts_(b, "</figure>\n");
  d->nsvg++;
  free(svg);
}

static void include(deck *d, buf *b, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", d->txtdir, name);
  size_t n;
  char *text = read_file(path, &n);
  if (!text) {
    error(d, "@include %s: no such file (was it generated?)", name);
    return;
  }
  while (n && text[n - 1] == '\n') n--;
  printf_(b, "<pre class=\"inc\" data-include=\"%s\">", name);
  esc(b, text, n);
  puts_(b, "</pre>\n");
  free(text);
}

/* ---- blocks ---- */

/* One table row: the cells between the outer bars. */
static void table_row(deck *d, buf *b, char *line, bool head) {
  char *p = line + 1;
  puts_(b, "<tr>");
  for (;;) {
    char *bar = p; /* the next | outside {{ }} */
    for (int depth = 0; *bar && (depth || *bar != '|'); bar++) {
      if (bar[0] == '{' && bar[1] == '{') depth++, bar++;
      else if (bar[0] == '}' && bar[1] == '}' && depth) depth--, bar++;
    }
    if (!*bar) break;
    *bar = 0;
    char *cell = trim(p);
    const char *tag = head ? "th" : "td";
    printf_(b, "<%s>", tag);
    inline_str(d, b, cell);
    printf_(b, "</%s>", tag);
    p = bar + 1;
  }
  puts_(b, "</tr>\n");
}

static bool is_rule_row(const char *s) {
  if (!strchr(s, '-')) return false;
  for (; *s; s++)
    if (!strchr("|-: ", *s)) return false;
  return true;
}

typedef struct src_line {
  char *text;
  int no;
} src_line;

/* Render one slide, lines [first, last). */
static void slide(deck *d, buf *b, src_line *l, int first, int last, int index, int count) {
  buf body = {0};
  const char *kind = "";
  bool in_list = false, in_sub = false, cols = false;
  buf para = {0};
  int i = first;
#define END_PARA()                                              \
  do {                                                          \
    if (para.n) {                                               \
      puts_(&body, "<p>");                                      \
      inline_text(d, &body, para.p, para.n, true);              \
      puts_(&body, "</p>\n");                                   \
      para.n = 0;                                               \
    }                                                           \
  } while (0)
#define END_LIST()                                              \
  do {                                                          \
    if (in_sub) puts_(&body, "</ul></li>\n"), in_sub = false;   \
    else if (in_list) puts_(&body, "</li>\n");                  \
    if (in_list) puts_(&body, "</ul>\n"), in_list = false;      \
  } while (0)
  while (i < last) {
    d->line = l[i].no;
    char *t = l[i].text;
    if (strncmp(t, "%%", 2) == 0 || strncmp(t, "<!--", 4) == 0) {
      i++;
      continue;
    }
    bool item = strncmp(t, "- ", 2) == 0, sub = strncmp(t, "  - ", 4) == 0;
    if (!item && !sub && !(in_list && strncmp(t, "  ", 2) == 0 && *trim(t))) END_LIST();
    if (!*trim(t)) {
      END_PARA();
      i++;
      continue;
    }
    if (strncmp(t, "# ", 2) == 0 || strncmp(t, "## ", 3) == 0) {
      END_PARA();
      bool h1 = t[1] == ' ';
      if (h1) kind = index == 0 ? " title" : " section";
      puts_(&body, h1 ? "<h1>" : "<h2>");
      inline_str(d, &body, t + (h1 ? 2 : 3));
      puts_(&body, h1 ? "</h1>\n" : "</h2>\n<div class=\"body\">\n");
      if (!h1) kind = kind[0] ? kind : " titled";
      i++;
      continue;
    }
    if (strcmp(trim(t), "|||") == 0) {
      END_PARA();
      END_LIST();
      if (!cols) { /* what came before the bars becomes the left column */
        static const char open[] = "<div class=\"body\">\n";
        char *start = body.p ? strstr(body.p, open) : NULL;
        size_t at = start ? (size_t)(start - body.p) + strlen(open) : 0;
        buf moved = {0};
        put(&moved, body.p ? body.p : "", at);
        puts_(&moved, "<div class=\"cols\"><div class=\"col\">\n");
        put(&moved, body.p ? body.p + at : "", body.n - at);
        free(body.p);
        body = moved;
      }
      puts_(&body, "</div><div class=\"col\">\n");
      cols = true;
      i++;
      continue;
    }
    if (strncmp(t, "```", 3) == 0) {
      END_PARA();
      puts_(&body, "<pre>");
      for (i++; i < last && strncmp(l[i].text, "```", 3) != 0; i++) {
        d->line = l[i].no;
        inline_text(d, &body, l[i].text, strlen(l[i].text), false);
        puts_(&body, "\n");
      }
      if (i == last) error(d, "unclosed ```");
      if (body.n && body.p[body.n - 1] == '\n') body.p[--body.n] = 0;
      puts_(&body, "</pre>\n");
      i++;
      continue;
    }
    if (strncmp(t, "@include ", 9) == 0) {
      END_PARA();
      include(d, &body, trim(t + 9));
      i++;
      continue;
    }
    if (strncmp(t, "![", 2) == 0) {
      END_PARA();
      char *mid = strstr(t, "]("), *close = mid ? strchr(mid, ')') : NULL;
      if (!close) {
        error(d, "bad picture line (![caption](file.svg))");
      } else {
        *mid = 0;
        *close = 0;
        picture(d, &body, trim(mid + 2), t + 2);
      }
      i++;
      continue;
    }
    if (t[0] == '|') {
      END_PARA();
      puts_(&body, "<table>\n");
      bool head = i + 1 < last && l[i + 1].text[0] == '|' && is_rule_row(l[i + 1].text);
      for (; i < last && l[i].text[0] == '|'; i++) {
        d->line = l[i].no;
        if (is_rule_row(l[i].text)) continue;
        table_row(d, &body, l[i].text, head);
        head = false;
      }
      puts_(&body, "</table>\n");
      continue;
    }
    if (t[0] == '>') {
      END_PARA();
      puts_(&body, "<blockquote>");
      for (; i < last && l[i].text[0] == '>'; i++) {
        d->line = l[i].no;
        inline_str(d, &body, trim(l[i].text + 1));
        puts_(&body, " ");
      }
      puts_(&body, "</blockquote>\n");
      continue;
    }
    if (item || sub) {
      END_PARA();
      if (sub && !in_list) error(d, "a sub-item with no item above it");
      if (sub && !in_sub) puts_(&body, "<ul>\n"), in_sub = true;
      else if (item && in_sub) puts_(&body, "</ul></li>\n"), in_sub = false;
      else if (item && in_list) puts_(&body, "</li>\n");
      if (item && !in_list) puts_(&body, "<ul>\n"), in_list = true;
      puts_(&body, "<li>");
      inline_str(d, &body, t + (sub ? 4 : 2));
      if (sub) puts_(&body, "</li>\n");
      i++;
      continue;
    }
    if (in_list) { /* a continuation line of an item */
      puts_(&body, " ");
      inline_str(d, &body, trim(t));
      i++;
      continue;
    }
    if (para.n) puts_(&para, " ");
    puts_(&para, trim(t));
    i++;
  }
  END_PARA();
  END_LIST();
  if (cols) puts_(&body, "</div></div>\n");
  bool titled = strstr(kind, "titled") != NULL;
  printf_(b, "<section class=\"slide%s\" id=\"s%d\">\n", kind, index + 1);
  if (body.p) puts_(b, body.p);
  if (titled) puts_(b, "</div>\n");
  printf_(b, "<footer>%d / %d</footer>\n</section>\n", index + 1, count);
  free(body.p);
  free(para.p);
#undef END_PARA
#undef END_LIST
}

/* ---- the source ---- */

/* Lines of the source, with @rows blocks expanded. */
static src_line *read_source(deck *d, const char *path, int *count) {
  char *text = read_file(path, NULL);
  if (!text) {
    fprintf(stderr, "deck: %s: cannot read\n", path);
    exit(1);
  }
  size_t cap = 256, n = 0;
  src_line *out = malloc(cap * sizeof *out);
  char *raw[1 << 14];
  int nraw = 0;
  for (char *p = text; *p && nraw < (1 << 14);) {
    char *e = strchr(p, '\n');
    if (e) *e = 0;
    raw[nraw++] = p;
    if (!e) break;
    p = e + 1;
  }
  for (int i = 0; i < nraw; i++) {
    d->line = i + 1;
    if (strncmp(raw[i], "@rows ", 6) != 0) {
      if (n == cap) out = realloc(out, (cap *= 2) * sizeof *out);
      out[n++] = (src_line){raw[i], i + 1};
      continue;
    }
    int end = i + 1;
    while (end < nraw && strcmp(trim(raw[end]), "@end") != 0) end++;
    if (end == nraw) {
      error(d, "@rows without @end");
      break;
    }
    char names[1024];
    snprintf(names, sizeof names, "%s", raw[i] + 6);
    for (char *name = strtok(names, " \t"); name; name = strtok(NULL, " \t")) {
      for (int j = i + 1; j < end; j++) {
        buf x = {0};
        for (const char *s = raw[j]; *s;) {
          const char *hole = strstr(s, "{#}");
          if (!hole) {
            puts_(&x, s);
            break;
          }
          put(&x, s, (size_t)(hole - s));
          puts_(&x, name);
          s = hole + 3;
        }
        if (!x.p) puts_(&x, "");
        if (n == cap) out = realloc(out, (cap *= 2) * sizeof *out);
        out[n++] = (src_line){x.p, j + 1};
      }
    }
    i = end;
  }
  *count = (int)n;
  return out;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: deck DECK.md VALUES SVGDIR TXTDIR OUT.html\n");
    return 2;
  }
  deck d = {.src = argv[1], .svgdir = argv[3], .txtdir = argv[4]};
  if (load_values(&d, argv[2]) != 0) return 1;
  const char *build = value_of(&d, "build.id");
  if (!build) {
    fprintf(stderr, "deck: %s has no build.id: not written by slides/gen.sh\n", argv[2]);
    return 1;
  }
  int n;
  src_line *l = read_source(&d, argv[1], &n);

  int starts[512], nslides = 0;
  starts[nslides++] = 0;
  for (int i = 0; i < n; i++)
    if (strcmp(l[i].text, "---") == 0 && nslides < 511) starts[nslides++] = i + 1;
  starts[nslides] = n + 1;

  buf slides = {0}, title = {0};
  for (int s = 0; s < nslides; s++) slide(&d, &slides, l, starts[s], starts[s + 1] - 1, s, nslides);
  for (int i = 0; i < n; i++)
    if (strncmp(l[i].text, "# ", 2) == 0) {
      esc(&title, l[i].text + 2, strlen(l[i].text + 2));
      break;
    }
  if (d.errors) {
    fprintf(stderr, "deck: %d error%s; %s not written\n", d.errors, d.errors == 1 ? "" : "s", argv[5]);
    return 1;
  }

  char tmp[1024], dir[1024];
  snprintf(dir, sizeof dir, "%s", argv[1]);
  char *slash = strrchr(dir, '/');
  if (slash) slash[1] = 0;
  else strcpy(dir, "./");
  snprintf(tmp, sizeof tmp, "%sdeck.css", dir);
  char *css = read_file(tmp, NULL);
  snprintf(tmp, sizeof tmp, "%sdeck.js", dir);
  char *js = read_file(tmp, NULL);
  if (!css || !js) {
    fprintf(stderr, "deck: %s: cannot read (deck.css and deck.js go beside the deck)\n", tmp);
    return 1;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[5]);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    perror(tmp);
    return 1;
  }
  fprintf(f, "<!DOCTYPE html>\n<!-- Generated by slides/deck.c from %s: do not edit. -->\n", argv[1]);
  fprintf(f, "<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
  fprintf(f, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  fprintf(f, "<meta name=\"vkit-build\" content=\"%s\">\n", build);
  fprintf(f, "<meta name=\"vkit-values\" content=\"%d\">\n", d.filled);
  fprintf(f, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", title.p ? title.p : "slides", css);
  fputs(slides.p, f);
  fprintf(f, "<script>\n%s</script>\n</body></html>\n", js);
  if (fclose(f) != 0 || rename(tmp, argv[5]) != 0) {
    perror(argv[5]);
    return 1;
  }
  fprintf(stderr, "deck: %s: %d slides, %d values, %d pictures (build %s)\n", argv[5], nslides, d.filled, d.nsvg,
          build);
  return 0;
}
