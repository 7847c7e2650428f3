/* config.c: which guests to run, from --config FILE or the command line.
 *
 * The file has one guest a line; # starts a comment, blank lines are
 * ignored, fields are separated by blanks (docs/multi.md):
 *
 *   # NAME  IMAGE                          options
 *   A       build/guests/guestos.img       mem=1M weight=2
 *   B       build/guests/guestos.img       console=build/B.out
 *   shell   build/guests/guestos.img       input
 *
 *   mem=SIZE      guest memory (4K to 1G), default --mem
 *   weight=N      share of the CPU, 1 to 1000, default 1
 *   console=FILE  the guest's console output into FILE, byte for byte
 *                 (default, or console=prefix: lines on standard output
 *                 as "[NAME] ...")
 *   input         this guest reads standard input (one guest at most;
 *                 default the first)
 *
 * Image and console paths are relative to the current directory.  A bad
 * line is reported as "FILE:LINE: message" and nothing runs (exit status
 * 65).  A console file is replaced when the run ends (cli.h); it may not
 * be one of the images or the config file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "multi.h"
#include "runner.h"

#define MAX_FIELDS 8
#define CONFIG_MAX_BYTES (1u << 20)
#define OPTIONS "mem=SIZE, weight=N, console=FILE, input"

int parse_size(const char *s, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || errno || *s == '-') return -1;
  int shift = 0;
  if (*end == 'k' || *end == 'K') shift = 10, end++;
  else if (*end == 'm' || *end == 'M') shift = 20, end++;
  else if (*end == 'g' || *end == 'G') shift = 30, end++;
  if (*end || v > (max >> shift)) return -1; /* checked before the shift can wrap */
  *out = (uint64_t)v << shift;
  return 0;
}

const char *size_str(uint64_t bytes, char *buf, size_t len) {
  static const char units[] = "GMK";
  for (int i = 0; i < 3; i++) {
    uint64_t unit = 1ull << (10 * (3 - i));
    if (bytes && bytes % unit == 0) {
      snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / unit), units[i]);
      return buf;
    }
  }
  snprintf(buf, len, "%llu", (unsigned long long)bytes);
  return buf;
}

static bool good_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= MULTI_NAME_MAX) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("._-", *s)) return false;
  return true;
}

int config_find(const multi_config *cfg, const char *name) {
  for (int i = 0; i < cfg->n; i++)
    if (strcmp(cfg->g[i].name, name) == 0) return i;
  return -1;
}

/* A new guest at the end, with the defaults; NULL if out of memory. */
static guest_spec *add(multi_config *cfg, const char *name, const char *image, uint32_t mem, int line) {
  if (cfg->n == cfg->cap) {
    int cap = cfg->cap ? 2 * cfg->cap : 8;
    guest_spec *g = realloc(cfg->g, (size_t)cap * sizeof *g);
    if (!g) return NULL;
    cfg->g = g;
    cfg->cap = cap;
  }
  guest_spec *s = &cfg->g[cfg->n];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->image = strdup(image);
  if (!s->image) return NULL;
  s->mem = mem;
  s->weight = 1;
  s->line = line;
  cfg->n++;
  return s;
}

static int fail(char *err, size_t len, const char *path, int line, const char *fmt, ...) {
  va_list ap;
  int k = snprintf(err, len, "%s:%d: ", path, line);
  va_start(ap, fmt);
  if (k >= 0 && (size_t)k < len) vsnprintf(err + k, len - (size_t)k, fmt, ap);
  va_end(ap);
  return -1;
}

/* The options of guest s, fields f[0..n). */
static int options(multi_config *cfg, guest_spec *s, char **f, int n, char *err, size_t len) {
  const char *path = cfg->path;
  bool mem = false, weight = false;
  uint64_t v;
  for (int i = 0; i < n; i++) {
    const char *o = f[i];
    if (strcmp(o, "input") == 0) {
      for (int k = 0; k < cfg->n; k++)
        if (cfg->g[k].input)
          return fail(err, len, path, s->line, "only one guest can read the input: %s (line %d) already does",
                      cfg->g[k].name, cfg->g[k].line);
      s->input = true;
    } else if (strncmp(o, "mem=", 4) == 0) {
      if (mem) return fail(err, len, path, s->line, "mem= given twice");
      if (parse_size(o + 4, VMM_MEM_MAX, &v) || v < VMM_MEM_MIN) {
        char lo[16], hi[16];
        return fail(err, len, path, s->line, "bad %s (%s to %s)", o, size_str(VMM_MEM_MIN, lo, sizeof lo),
                    size_str(VMM_MEM_MAX, hi, sizeof hi));
      }
      s->mem = (uint32_t)v;
      mem = true;
    } else if (strncmp(o, "weight=", 7) == 0) {
      if (weight) return fail(err, len, path, s->line, "weight= given twice");
      if (parse_size(o + 7, MULTI_MAX_WEIGHT, &v) || v == 0)
        return fail(err, len, path, s->line, "bad %s (1 to %d)", o, MULTI_MAX_WEIGHT);
      s->weight = (uint32_t)v;
      weight = true;
    } else if (strncmp(o, "console=", 8) == 0) {
      if (s->console) return fail(err, len, path, s->line, "console= given twice");
      if (!o[8]) return fail(err, len, path, s->line, "console= needs a file (or prefix)");
      if (strcmp(o + 8, "prefix") == 0) continue;
      for (int k = 0; k < cfg->n; k++)
        if (cfg->g[k].console && strcmp(cfg->g[k].console, o + 8) == 0)
          return fail(err, len, path, s->line, "console file %s is already %s's (line %d)", o + 8, cfg->g[k].name,
                      cfg->g[k].line);
      s->console = strdup(o + 8);
      if (!s->console) return fail(err, len, path, s->line, "out of memory");
    } else {
      return fail(err, len, path, s->line, "unknown option '%s' (options: %s)", o, OPTIONS);
    }
  }
  return 0;
}

/* One line, comments already cut: 0, or -1 with the message. */
static int parse_line(multi_config *cfg, char *text, int line, uint32_t mem, char *err, size_t len) {
  char *f[MAX_FIELDS + 1];
  int n = 0;
  char *save;
  for (char *t = strtok_r(text, " \t\r\f\v", &save); t; t = strtok_r(NULL, " \t\r\f\v", &save)) {
    if (n == MAX_FIELDS) return fail(err, len, cfg->path, line, "too many fields");
    f[n++] = t;
  }
  if (n == 0) return 0;
  if (n < 2) return fail(err, len, cfg->path, line, "expected NAME IMAGE [options] (options: %s)", OPTIONS);
  if (!good_name(f[0]))
    return fail(err, len, cfg->path, line, "bad guest name '%s' (letters, digits, '.', '_', '-'; at most %d)", f[0],
                MULTI_NAME_MAX - 1);
  int dup = config_find(cfg, f[0]);
  if (dup >= 0) return fail(err, len, cfg->path, line, "guest %s is already on line %d", f[0], cfg->g[dup].line);
  if (cfg->n == MULTI_MAX_GUESTS) return fail(err, len, cfg->path, line, "more than %d guests", MULTI_MAX_GUESTS);
  guest_spec s = {.mem = mem, .weight = 1, .line = line};
  if (options(cfg, &s, f + 2, n - 2, err, len) != 0) {
    free(s.console);
    return -1;
  }
  guest_spec *g = add(cfg, f[0], f[1], mem, line);
  if (!g) {
    free(s.console);
    return fail(err, len, cfg->path, line, "out of memory");
  }
  g->mem = s.mem;
  g->weight = s.weight;
  g->console = s.console;
  g->input = s.input;
  return 0;
}

int config_parse(multi_config *cfg, const char *path, const char *text, uint32_t default_mem, char *err,
                 size_t len) {
  memset(cfg, 0, sizeof *cfg);
  cfg->path = path;
  int line = 0;
  const char *p = text;
  while (*p) {
    size_t n = strcspn(p, "\n");
    line++;
    char *copy = strndup(p, n);
    if (!copy) return fail(err, len, path, line, "out of memory");
    char *hash = strchr(copy, '#');
    if (hash) *hash = 0;
    int rc = parse_line(cfg, copy, line, default_mem, err, len);
    free(copy);
    if (rc != 0) {
      config_free(cfg);
      return -1;
    }
    p += n;
    if (*p) p++;
  }
  if (cfg->n == 0) {
    snprintf(err, len, "%s: no guests (a line is NAME IMAGE [options])", path);
    config_free(cfg);
    return -1;
  }
  return 0;
}

int config_read(multi_config *cfg, const char *path, uint32_t default_mem, char *err, size_t len) {
  memset(cfg, 0, sizeof *cfg);
  char *text;
  size_t n;
  int status = cli_read_file(path, CONFIG_MAX_BYTES, &text, &n, err, len);
  if (status) return status;
  int rc = strlen(text) != n ? (snprintf(err, len, "%s: not a text file", path), -1)
                             : config_parse(cfg, path, text, default_mem, err, len);
  free(text);
  return rc ? CLI_EX_DATAERR : 0;
}

int config_check_outputs(const multi_config *cfg, const char *stats_json) {
  int n = cfg->n;
  const char **outs = calloc((size_t)n + 1, sizeof *outs), **ins = calloc((size_t)n + 1, sizeof *ins);
  int status = CLI_EX_OSERR;
  if (outs && ins) {
    for (int i = 0; i < n; i++) outs[i] = cfg->g[i].console, ins[i] = cfg->g[i].image;
    outs[n] = stats_json;
    ins[n] = cfg->path;
    status = cli_check_outputs("vmm", outs, n + 1, ins, n + 1);
  } else {
    fprintf(stderr, "vmm: out of host memory\n");
  }
  free(outs);
  free(ins);
  return status;
}

/* "build/guests/guestos.img" -> "guestos", made a good name. */
static void name_of(const char *image, char *name, size_t cap) {
  const char *base = strrchr(image, '/');
  base = base ? base + 1 : image;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".img") == 0) n -= 4;
  if (n > cap - 5) n = cap - 5; /* room for ".NNN" */
  for (size_t i = 0; i < n; i++) name[i] = isalnum((unsigned char)base[i]) || strchr("._-", base[i]) ? base[i] : '_';
  name[n] = 0;
  if (n == 0) snprintf(name, cap, "guest");
}

int config_images(multi_config *cfg, char *const *images, int n, uint32_t mem, char *err, size_t len) {
  memset(cfg, 0, sizeof *cfg);
  if (n > MULTI_MAX_GUESTS) {
    snprintf(err, len, "more than %d guests", MULTI_MAX_GUESTS);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    char base[MULTI_NAME_MAX], name[MULTI_NAME_MAX + 16]; /* (base is short enough for ".NNN") */
    name_of(images[i], base, sizeof base);
    snprintf(name, sizeof name, "%s", base);
    for (int k = 2; config_find(cfg, name) >= 0; k++) snprintf(name, sizeof name, "%s.%d", base, k);
    if (!add(cfg, name, images[i], mem, 0)) {
      snprintf(err, len, "out of memory");
      config_free(cfg);
      return -1;
    }
  }
  return 0;
}

void config_free(multi_config *cfg) {
  for (int i = 0; i < cfg->n; i++) {
    free(cfg->g[i].image);
    free(cfg->g[i].console);
  }
  free(cfg->g);
  cfg->g = NULL;
  cfg->n = cfg->cap = 0;
}
