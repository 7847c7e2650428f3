/* vdb_session.c: the debugging session: its guests, its messages, command
 * files, and the commands about the session itself (vm, trace, source,
 * quit).
 *
 * Output goes to d->out, errors to d->err as one line each (stdout is
 * flushed first, so a transcript of both reads in order).  A failing
 * command is counted: in batch mode any failure makes vdb exit non-zero.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "vdb.h"


vdb *vdb_new(const vdb_opts *o, FILE *out, FILE *err) {
  vdb *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->o = *o;
  d->out = out;
  d->err = err;
  d->x_fmt = (vdb_fmt){1, 'x', 4};
  d->x_space = -1;
  return d;
}

void vdb_free(vdb *d) {
  if (!d) return;
  for (int i = 0; i < d->ntg; i++)
    target_free(d->tg[i]);
  free(d->tg);
  free(d->bp);
  for (int i = 0; i < d->ndisp; i++)
    free(d->disp[i].expr);
  free(d->disp);
  free(d->vals);
  free(d->last);
  free(d);
}

int vdb_add_target(vdb *d, const char *path, char *err, size_t len) {
  vdb_target **tg = realloc(d->tg, sizeof *tg * (size_t)(d->ntg + 1));
  if (!tg) {
    snprintf(err, len, "out of host memory");
    return -1;
  }
  d->tg = tg;
  vdb_target *t = target_new(&d->o, path, d->ntg + 1, d->out, err, len);
  if (!t) return -1;
  d->tg[d->ntg++] = t;
  return 0;
}

vdb_target *vdb_cur(vdb *d) { return d->tg[d->cur]; }

void vdb_printf(vdb *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(d->out, fmt, ap);
  va_end(ap);
}

int vdb_error(vdb *d, const char *fmt, ...) {
  va_list ap;
  if (d->ntg) vdb_console_break_line(&vdb_cur(d)->con);
  fflush(d->out);
  va_start(ap, fmt);
  vfprintf(d->err, fmt, ap);
  va_end(ap);
  fputc('\n', d->err);
  fflush(d->err);
  d->failures++;
  return -1;
}

/* ---- small parsing helpers ---- */

const char *skip_ws(const char *s) {
  while (isspace((unsigned char)*s))
    s++;
  return s;
}

bool next_word(const char **s, char *buf, size_t len) {
  const char *p = skip_ws(*s);
  size_t n = 0;
  if (!*p) return false;
  while (p[n] && !isspace((unsigned char)p[n]))
    n++;
  snprintf(buf, len, "%.*s", (int)n, p);
  *s = p + n;
  return true;
}

bool parse_u64(const char *s, uint64_t *v) {
  char *end;
  if (!isdigit((unsigned char)*s)) return false;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 0);
  if (*end || errno) return false;
  *v = x;
  return true;
}

int cause_parse(const char *s) {
  for (uint32_t i = 0; i < NCAUSES; i++)
    if (strcmp(cpu_cause_name(i), s) == 0) return (int)i;
  uint64_t n;
  if (parse_u64(s, &n) && n < NCAUSES) return (int)n;
  return -1;
}

/* ---- command files ---- */

int vdb_read_line(FILE *f, char *buf) {
  size_t n = 0;
  int ch = EOF;
  while (n <= VDB_LINE_MAX && (ch = getc(f)) != EOF && ch != '\n') {
    if (ch == 0) return -1; /* not text */
    buf[n++] = (char)ch;
  }
  if (n > VDB_LINE_MAX) return -1; /* no newline within the limit */
  if (ch == EOF && n == 0) return 0;
  while (n && buf[n - 1] == '\r')
    n--;
  buf[n] = 0;
  return 1;
}

void vdb_read_commands(vdb *d, FILE *f, const char *name) {
  char *line = malloc(VDB_LINE_MAX + 2);
  if (!line) cpu_panic("vdb: out of host memory");
  int rc;
  for (unsigned n = 1; !d->quit && (rc = vdb_read_line(f, line)) != 0; n++) {
    if (rc < 0) {
      vdb_error(d, "%s:%u: not a command line (longer than %d bytes, or a NUL byte): the rest of %s is not read.",
                name, n, VDB_LINE_MAX, name);
      break;
    }
    if (d->echo && *skip_ws(line) && *skip_ws(line) != '#') vdb_printf(d, "(vdb) %s\n", line);
    vdb_exec(d, line);
  }
  free(line);
}

int vdb_source(vdb *d, const char *path) {
  if (d->depth >= VDB_SOURCE_DEPTH) return vdb_error(d, "source: nested more than %d deep.", VDB_SOURCE_DEPTH);
  FILE *f = fopen(path, "r");
  if (!f) return vdb_error(d, "%s: %s.", path, strerror(errno));
  /* Only a file: a device or a pipe may never end (source /dev/zero). */
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return vdb_error(d, "%s: not a regular file (source reads command files only).", path);
  }
  d->depth++;
  int failures = d->failures;
  bool interactive = d->interactive;
  d->interactive = false; /* an empty line in a file repeats nothing */
  vdb_read_commands(d, f, path);
  d->interactive = interactive;
  fclose(f);
  d->depth--;
  return d->failures == failures ? 0 : -1;
}

int cmd_source(vdb *d, const char *args) {
  char path[4096];
  snprintf(path, sizeof path, "%s", skip_ws(args));
  for (size_t n = strlen(path); n && isspace((unsigned char)path[n - 1]);)
    path[--n] = 0;
  int before = d->failures;
  vdb_source(d, path);
  /* The failures inside were counted; the source command itself is fine. */
  return d->failures == before ? 0 : -1;
}

int cmd_quit(vdb *d, const char *args) {
  uint32_t v = 0;
  bool set = *skip_ws(args) != 0;
  if (set && vdb_eval(d, args, &v) != 0) return -1;
  /* 64 and above are the statuses of trouble (cli/status.h). */
  if (v > CLI_GUEST_MAX) return vdb_error(d, "The exit code must be 0 to %d.", CLI_GUEST_MAX);
  d->quit = true;
  d->quit_set = set;
  d->quit_code = (int)v;
  return 0;
}

int cmd_trace(vdb *d, const char *args) {
  char w[16];
  next_word(&args, w, sizeof w);
  if (strcmp(w, "on") == 0)
    d->trace = true;
  else if (strcmp(w, "off") == 0)
    d->trace = false;
  else
    return vdb_error(d, "Usage: trace on|off.");
  vdb_printf(d, "Tracing traps, exits and translations: %s.\n", d->trace ? "on" : "off");
  return 0;
}

int cmd_vm(vdb *d, const char *args) {
  char w[32], st[200];
  next_word(&args, w, sizeof w);
  if (strcmp(w, "list") == 0 || strcmp(w, "ls") == 0) {
    vdb_printf(d, "  Id  Mode    %12s  State\n", "Tick");
    for (int i = 0; i < d->ntg; i++) {
      const vdb_target *t = d->tg[i];
      vdb_printf(d, "%c %-3d %-7s %12llu  %s, %s\n", i == d->cur ? '*' : ' ', t->id, t->mode->name,
                 (unsigned long long)target_now(t), t->path, target_state(t, st, sizeof st));
    }
    return 0;
  }
  uint64_t n;
  if (!parse_u64(w, &n)) return vdb_error(d, "Usage: vm list|N.");
  if (n < 1 || n > (uint64_t)d->ntg) return vdb_error(d, "No vm %s (vm list shows them).", w);
  d->cur = (int)n - 1;
  vdb_target *t = vdb_cur(d);
  vdb_printf(d, "[Switching to vm %d (%s, %s), %s]\n", t->id, t->mode->name, t->path, target_state(t, st, sizeof st));
  return 0;
}
