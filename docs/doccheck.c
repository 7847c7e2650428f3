/* doccheck.c: no stale number in the documents.
 *
 *   doccheck [--values FILE] [--update] [--no-run] FILE.md...
 *
 * Two kinds of marks in Markdown, both invisible when the page is rendered
 * as a reader sees it:
 *
 * 1. A fenced block whose info string is `run` is a transcript: `$ COMMAND`
 *    lines, each followed by the output it must print, standard output and
 *    error together, exactly.  doccheck runs every command of a page's run
 *    blocks, in order, in one scratch directory per page that holds links to
 *    the top of the tree (so `bin/vmm`, `build/guests/...` work, a file one
 *    block writes is there for the next, and nothing lands in the tree),
 *    with standard input from /dev/null, and compares:
 *
 *        ```run
 *        $ bin/vmm --mode trap build/guests/guestos.img
 *        panic: not in kernel mode (pushf says user)
 *        ```
 *
 *    - a line `...` stands for any number of lines (an elision, said
 *      explicitly); nothing else is elided, and trailing blanks are ignored;
 *    - a command continues on the next line after a `\`, and a here-document
 *      (`cat > hello.s <<'EOF'`) takes its lines up to the delimiter;
 *    - `(vdb) CMD` lines after a `$ bin/vdb ...` command are a session: they
 *      are the debugger's input, and bin/vdb runs with --echo, which prints
 *      each as `(vdb) CMD` just as a terminal shows it;
 *    - a command that dies of a signal, or runs longer than a minute, fails
 *      the block whatever it printed; exit statuses are not compared (show
 *      one with `; echo $?` if it matters).
 *
 *    A fence that is not `run` may show commands (`$ make`), but no output:
 *    doccheck reports one that shows a line after a `$` command that is not
 *    a command, a continuation or a `#` comment.
 *
 * 2. A figure followed by `<!--{KEY|FMT}-->` is the value KEY of the values
 *    file (the deck's build/slides/gen/values.txt: every run and the whole
 *    bench), formatted as the deck formats it (FMT `,`: thousands
 *    separators; `.N`: N decimals; none: as written):
 *
 *        | ptemod | 6,160,710<!--{bench.guests.bench-ptemod.native.cycles|,}--> |
 *
 *    doccheck compares the figure with the value; --update writes the value
 *    in instead (make docs-update).  A mark right after a backquote is
 *    text about marks, not a mark.  FMT may end in `~` for a host-time
 *    figure, which varies from run to run: --update writes it, the check
 *    only asks that the key exists.
 *
 * Exit status: 0 when every block and figure agrees, 1 when one does not
 * (each difference is reported), 2 on bad usage or an unreadable file.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { COMMAND_SECONDS = 60 };
enum { PATHLEN = 2 * PATH_MAX + 64 }; /* a path under the tree, with room to spare */

/* ---- growing strings and line arrays ---- */

typedef struct str {
  char *p;
  size_t n, cap;
} str;

static void add(str *s, const char *p, size_t n) {
  if (s->n + n + 1 > s->cap) {
    s->cap = (s->n + n + 1) * 2;
    s->p = realloc(s->p, s->cap);
    if (!s->p) abort();
  }
  memcpy(s->p + s->n, p, n);
  s->n += n;
  s->p[s->n] = 0;
}
static void adds(str *s, const char *p) { add(s, p, strlen(p)); }

typedef struct lines {
  char **v;
  size_t n, cap;
} lines;

static void push(lines *l, const char *p, size_t n) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    if (!l->v) abort();
  }
  l->v[l->n++] = strndup(p, n);
}

static void free_lines(lines *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  *l = (lines){0};
}

/* Split text into lines, without their newlines or trailing blanks. */
static void split(const char *t, size_t n, lines *out) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && t[j] != '\n') j++;
    size_t e = j;
    while (e > i && (t[e - 1] == ' ' || t[e - 1] == '\t' || t[e - 1] == '\r')) e--;
    push(out, t + i, e - i);
    i = j + 1;
  }
}

static bool read_file(const char *path, str *s) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) add(s, buf, got);
  fclose(f);
  if (!s->p) adds(s, "");
  return true;
}

/* ---- reporting ---- */

static int failures;

static void fail(const char *file, size_t line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s:%zu: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  failures++;
}

/* ---- the values file ---- */

typedef struct value {
  char *key, *val;
} value;

static value *values;
static size_t nvalues;

static void load_values(const char *path) {
  str s = {0};
  if (!read_file(path, &s)) {
    fprintf(stderr, "doccheck: %s: %s\n", path, strerror(errno));
    exit(2);
  }
  lines l = {0};
  split(s.p, s.n, &l);
  values = calloc(l.n + 1, sizeof *values);
  for (size_t i = 0; i < l.n; i++) {
    char *eq = strstr(l.v[i], " = ");
    if (!eq) continue;
    values[nvalues].key = strndup(l.v[i], (size_t)(eq - l.v[i]));
    values[nvalues].val = strdup(eq + 3);
    nvalues++;
  }
  free_lines(&l);
  free(s.p);
}

static const char *value_of(const char *key) {
  for (size_t i = 0; i < nvalues; i++)
    if (strcmp(values[i].key, key) == 0) return values[i].val;
  return NULL;
}

/* The deck's formats (slides/deck.c): `,` thousands separators, `.N` N
 * decimals, none the value as written.  NULL if it does not apply. */
static bool format(const char *v, const char *fmt, char *out, size_t len) {
  char *end;
  double x = strtod(v, &end);
  if (!*fmt) return snprintf(out, len, "%s", v), true;
  if (*end || end == v) return false;
  if (strcmp(fmt, ",") == 0) {
    char digits[32];
    long long r = llround(x);
    snprintf(digits, sizeof digits, "%lld", r < 0 ? -r : r);
    size_t n = strlen(digits), o = 0;
    if (r < 0) out[o++] = '-';
    for (size_t i = 0; i < n && o + 2 < len; i++) {
      out[o++] = digits[i];
      if ((n - i - 1) % 3 == 0 && i + 1 < n) out[o++] = ',';
    }
    out[o] = 0;
    return true;
  }
  if (fmt[0] == '.' && isdigit((unsigned char)fmt[1]) && !fmt[2]) return snprintf(out, len, "%.*f", fmt[1] - '0', x), true;
  return false;
}

/* ---- figures: VALUE<!--{KEY|FMT}--> ---- */

/* The figure before a mark: back over characters that are not blanks, table
 * bars, brackets or emphasis. */
static size_t figure_start(const char *t, size_t at) {
  size_t s = at;
  while (s > 0 && !strchr(" \t\n|(*_`>", t[s - 1])) s--;
  return s;
}

static void figures(const char *file, str *text, bool update, bool *changed) {
  str out = {0};
  size_t i = 0, copied = 0, line = 1;
  const char *t = text->p;
  while (t[i]) {
    if (t[i] == '\n') line++;
    if (strncmp(t + i, "<!--{", 5) != 0 || (i > 0 && t[i - 1] == '`')) { /* `<!--{...}-->`: one written about */
      i++;
      continue;
    }
    const char *close = strstr(t + i, "}-->");
    if (!close) {
      fail(file, line, "a figure mark <!--{ without }-->");
      break;
    }
    char spec[256];
    size_t sn = (size_t)(close - (t + i + 5));
    snprintf(spec, sizeof spec, "%.*s", (int)(sn < sizeof spec ? sn : sizeof spec - 1), t + i + 5);
    char *fmt = strchr(spec, '|');
    if (fmt) *fmt++ = 0;
    else fmt = spec + strlen(spec);
    bool host_time = false;
    size_t fl = strlen(fmt);
    if (fl && fmt[fl - 1] == '~') host_time = true, fmt[fl - 1] = 0;
    size_t fs = figure_start(t, i);
    char shown[128];
    const char *v = value_of(spec);
    if (!v) {
      fail(file, line, "no value for <!--{%s}--> (build/slides/gen/values.txt lists them)", spec);
    } else if (!format(v, fmt, shown, sizeof shown)) {
      fail(file, line, "<!--{%s|%s}-->: cannot format '%s' so", spec, fmt, v);
    } else if (update) {
      add(&out, t + copied, fs - copied);
      adds(&out, shown);
      copied = i;
      if (strncmp(t + fs, shown, i - fs) != 0 || strlen(shown) != i - fs) *changed = true;
    } else if (!host_time && (i - fs != strlen(shown) || strncmp(t + fs, shown, i - fs) != 0)) {
      fail(file, line, "%.*s is stale: %s is %s now (make docs-update)", (int)(i - fs), t + fs, spec, shown);
    }
    i = (size_t)(close - t) + 4;
  }
  if (update && *changed) {
    add(&out, t + copied, text->n - copied);
    free(text->p);
    *text = out;
  } else {
    free(out.p);
  }
}

/* ---- transcripts ---- */

typedef struct step {
  str cmd;      /* the shell command, continuations and here-documents included */
  str input;    /* (vdb) lines: the debugger's input */
  lines expect; /* its output, `...` for an elision */
  size_t line;  /* where its `$` is */
} step;

/* Does the expected output (with `...` lines) match the actual lines? */
static bool match(char **e, size_t ne, char **a, size_t na) {
  if (ne == 0) return na == 0;
  if (strcmp(e[0], "...") == 0) {
    for (size_t k = 0; k <= na; k++)
      if (match(e + 1, ne - 1, a + k, na - k)) return true;
    return false;
  }
  return na > 0 && strcmp(e[0], a[0]) == 0 && match(e + 1, ne - 1, a + 1, na - 1);
}

/* The delimiter of a here-document in a command line, if any. */
static bool heredoc(const char *s, char *word, size_t len) {
  const char *h = strstr(s, "<<");
  if (!h) return false;
  h += 2;
  if (*h == '-') h++;
  while (*h == ' ') h++;
  char q = (*h == '\'' || *h == '"') ? *h++ : 0;
  size_t n = 0;
  while (h[n] && (q ? h[n] != q : (isalnum((unsigned char)h[n]) || h[n] == '_')) && n + 1 < len) n++;
  if (!n) return false;
  snprintf(word, len, "%.*s", (int)n, h);
  return true;
}

/* Parse a block's lines into steps.  The index moves past continuations
 * and here-documents. */
static size_t parse_steps(char **l, size_t n, size_t first_line, step **out) {
  step *st = NULL;
  size_t ns = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(l[i], "$ ", 2) == 0) {
      st = realloc(st, (ns + 1) * sizeof *st);
      step *s = &st[ns++];
      *s = (step){.line = first_line + i};
      adds(&s->cmd, l[i] + 2);
      while (s->cmd.n && s->cmd.p[s->cmd.n - 1] == '\\' && i + 1 < n) {
        adds(&s->cmd, "\n");
        adds(&s->cmd, l[++i]);
      }
      char word[64];
      if (heredoc(s->cmd.p, word, sizeof word))
        while (i + 1 < n) {
          adds(&s->cmd, "\n");
          adds(&s->cmd, l[++i]);
          if (strcmp(l[i], word) == 0) break;
        }
    } else if (ns == 0) {
      continue; /* before the first command: reported by the caller */
    } else {
      step *s = &st[ns - 1];
      if (strncmp(l[i], "(vdb) ", 6) == 0 || strcmp(l[i], "(vdb)") == 0) {
        adds(&s->input, l[i][5] ? l[i] + 6 : "");
        adds(&s->input, "\n");
      }
      push(&s->expect, l[i], strlen(l[i]));
    }
  }
  *out = st;
  return ns;
}

/* A scratch directory with a link to every entry at the top of the tree. */
static void scratch(const char *top, char *dir, size_t len) {
  snprintf(dir, len, "%s/build/doccheck/run.XXXXXX", top);
  char parent[PATHLEN];
  snprintf(parent, sizeof parent, "%s/build/doccheck", top);
  mkdir(parent, 0755);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "doccheck: %s: %s\n", dir, strerror(errno));
    exit(2);
  }
  DIR *d = opendir(top);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char from[PATHLEN], to[2 * PATHLEN];
    snprintf(from, sizeof from, "%s/%s", top, e->d_name);
    snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
    if (symlink(from, to) != 0) {
      fprintf(stderr, "doccheck: %s: %s\n", to, strerror(errno));
      exit(2);
    }
  }
  if (d) closedir(d);
}

/* Run one command in dir; its output (standard output and error) in out.
 * Returns false if it died of a signal or ran out of time. */
static bool run(const char *dir, const step *s, str *out, char *why, size_t len) {
  str cmd = {0};
  /* bin/vdb with a session: --echo shows each command as a terminal would */
  const char *vdb = s->input.n ? strstr(s->cmd.p, "bin/vdb ") : NULL;
  if (vdb) {
    add(&cmd, s->cmd.p, (size_t)(vdb - s->cmd.p) + 8);
    adds(&cmd, "--echo ");
    adds(&cmd, vdb + 8);
  } else {
    adds(&cmd, s->cmd.p);
  }
  char inpath[2 * PATHLEN];
  snprintf(inpath, sizeof inpath, "%s/.doccheck-input", dir);
  FILE *in = fopen(inpath, "w");
  if (!in) return snprintf(why, len, "cannot write %.80s", inpath), false;
  if (s->input.n) fputs(s->input.p, in);
  fclose(in);
  int pfd[2];
  if (pipe(pfd) != 0) return snprintf(why, len, "pipe: %s", strerror(errno)), false;
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(127);
    int fd = open(inpath, 0);
    dup2(fd, 0);
    dup2(pfd[1], 1);
    dup2(pfd[1], 2);
    close(pfd[0]);
    close(pfd[1]);
    alarm(COMMAND_SECONDS);
    execl("/bin/sh", "sh", "-c", cmd.p, (char *)NULL);
    _exit(127);
  }
  close(pfd[1]);
  char buf[8192];
  ssize_t got;
  while ((got = read(pfd[0], buf, sizeof buf)) > 0) add(out, buf, (size_t)got);
  close(pfd[0]);
  int st;
  waitpid(pid, &st, 0);
  free(cmd.p);
  if (!out->p) adds(out, "");
  if (WIFSIGNALED(st)) {
    int sig = WTERMSIG(st);
    return snprintf(why, len, "%s", sig == SIGALRM ? "ran longer than a minute" : strsignal(sig)), false;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) > 128) /* the shell reports a child's signal so */
    return snprintf(why, len, "died of %s", strsignal(WEXITSTATUS(st) - 128)), false;
  return true;
}

static void check_block(const char *file, const char *dir, char **l, size_t n, size_t first_line) {
  step *st;
  size_t ns = parse_steps(l, n, first_line, &st);
  if (ns == 0 || strncmp(l[0], "$ ", 2) != 0) {
    fail(file, first_line, "a run block must start with a `$ ` command");
    ns = 0;
  }
  for (size_t k = 0; k < ns; k++) {
    str out = {0};
    char why[128];
    bool ok = run(dir, &st[k], &out, why, sizeof why);
    lines got = {0};
    split(out.p, out.n, &got);
    if (!ok) {
      fail(file, st[k].line, "$ %s: %s", st[k].cmd.p, why);
    } else if (!match(st[k].expect.v, st[k].expect.n, got.v, got.n)) {
      fail(file, st[k].line, "$ %s: the output differs from the document's.  It printed:", st[k].cmd.p);
      for (size_t i = 0; i < got.n; i++) fprintf(stderr, "  | %s\n", got.v[i]);
      fprintf(stderr, "  the document shows:\n");
      for (size_t i = 0; i < st[k].expect.n; i++) fprintf(stderr, "  > %s\n", st[k].expect.v[i]);
    }
    free_lines(&got);
    free(out.p);
  }
  for (size_t k = 0; k < ns; k++) {
    free(st[k].cmd.p);
    free(st[k].input.p);
    free_lines(&st[k].expect);
  }
  free(st);
}

/* A fence that is not checked may show commands, not output. */
static void check_unrun(const char *file, char **l, size_t n, size_t first_line) {
  bool commands = false;
  for (size_t i = 0; i < n; i++)
    if (strncmp(l[i], "$ ", 2) == 0 || strncmp(l[i], "(vdb) ", 6) == 0) commands = true;
  if (!commands) return;
  for (size_t i = 0; i < n; i++) {
    const char *s = l[i];
    while (*s == ' ') s++;
    if (!*s || *s == '#' || strncmp(l[i], "$ ", 2) == 0 || strncmp(l[i], "(vdb) ", 6) == 0) {
      char word[64];
      if (strncmp(l[i], "$ ", 2) == 0 && heredoc(l[i], word, sizeof word))
        while (i + 1 < n && strcmp(l[++i], word) != 0) {
        }
      continue;
    }
    if (i > 0 && l[i - 1][0] && l[i - 1][strlen(l[i - 1]) - 1] == '\\') continue;
    fail(file, first_line + i, "output shown after a command in a fence that is not checked: make it ```run");
    return;
  }
}

/* Every fence of a file: run blocks checked, others looked at. */
static void fences(const char *file, const char *top, const str *text, bool run_blocks) {
  char dir[PATHLEN] = "";
  lines l = {0};
  split(text->p, text->n, &l);
  for (size_t i = 0; i < l.n; i++) {
    const char *s = l.v[i];
    size_t indent = 0;
    while (s[indent] == ' ') indent++;
    if (strncmp(s + indent, "```", 3) != 0) continue;
    const char *info = s + indent + 3;
    size_t start = i + 1, end = start;
    while (end < l.n && strncmp(l.v[end] + (strlen(l.v[end]) >= indent ? indent : 0), "```", 3) != 0) end++;
    /* the block's lines, without the fence's indentation */
    char **b = calloc(end - start + 1, sizeof *b);
    for (size_t k = start; k < end; k++) b[k - start] = l.v[k] + (strlen(l.v[k]) >= indent ? indent : strlen(l.v[k]));
    if (strcmp(info, "run") == 0) {
      if (run_blocks && !dir[0]) scratch(top, dir, sizeof dir);
      if (run_blocks) check_block(file, dir, b, end - start, start + 1);
    } else {
      check_unrun(file, b, end - start, start + 1);
    }
    free(b);
    i = end;
  }
  free_lines(&l);
  if (dir[0]) {
    char cmd[PATHLEN + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "doccheck: could not remove %s\n", dir);
  }
}

int main(int argc, char **argv) {
  bool update = false, run_blocks = true;
  const char *vals = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--update") == 0) update = true;
    else if (strcmp(argv[i], "--no-run") == 0) run_blocks = false;
    else if (strcmp(argv[i], "--values") == 0 && i + 1 < argc) vals = argv[++i];
    else {
      fprintf(stderr, "usage: doccheck [--values FILE] [--update] [--no-run] FILE.md...\n");
      return 2;
    }
  }
  if (i == argc) {
    fprintf(stderr, "usage: doccheck [--values FILE] [--update] [--no-run] FILE.md...\n");
    return 2;
  }
  if (vals) load_values(vals);
  char top[PATH_MAX];
  if (!getcwd(top, sizeof top)) return 2;
  for (; i < argc; i++) {
    str text = {0};
    if (!read_file(argv[i], &text)) {
      fprintf(stderr, "doccheck: %s: %s\n", argv[i], strerror(errno));
      return 2;
    }
    bool changed = false;
    if (strstr(text.p, "<!--{")) {
      if (!vals) fail(argv[i], 1, "has figures (<!--{KEY}-->) but no --values file was given");
      else figures(argv[i], &text, update, &changed);
    }
    if (update && changed) {
      FILE *f = fopen(argv[i], "wb");
      if (!f || fwrite(text.p, 1, text.n, f) != text.n || fclose(f) != 0) {
        fprintf(stderr, "doccheck: cannot write %s\n", argv[i]);
        return 2;
      }
      printf("doccheck: %s: figures updated\n", argv[i]);
    }
    if (!update) fences(argv[i], top, &text, run_blocks);
    free(text.p);
  }
  if (failures) fprintf(stderr, "doccheck: %d difference%s\n", failures, failures == 1 ? "" : "s");
  return failures ? 1 : 0;
}
