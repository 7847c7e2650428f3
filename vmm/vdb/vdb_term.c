/* vdb_term.c: the terminal: readline, completion, history and Ctrl-C.
 *
 * Used only when standard input is a terminal; scripts and pipes never
 * touch readline (vdb_cli.c).
 *
 * readline
 *   rl_readline_name is "vdb", so ~/.inputrc can say `$if vdb ... $endif`.
 *   Lines are read through the callback interface with our own select()
 *   loop, so that Ctrl-C at the prompt can be handled outside the signal
 *   handler (the line is dropped and a fresh prompt shown).
 * completion
 *   the first word: command names; after info, catch or help: their
 *   subcommands; after trace, vm, dot: their keywords; a word starting
 *   with $: register names; after source and dot's kind: file names;
 *   anything else: the current guest's symbols.
 * history
 *   kept in $VDB_HISTORY, or ~/.vdb_history (VDB_HISTORY set to the empty
 *   string keeps none); each line is appended as it is entered, and the
 *   file is cut to its last 1000 lines on the way out.
 * Ctrl-C
 *   while the guest runs, sets cpu->stop_request of the running machine,
 *   which makes cpu_run return EXIT_STOP within a chunk, and the session's
 *   interrupted flag; at the prompt, drops the line being typed.
 *
 * The globals below are the ones readline and signals force: the line
 * handler, the completion function and the signal handler get no context
 * pointer.  They are all here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "vdb.h"

static vdb *term_session;                 /* for completion and the signal handler */
static volatile int *term_stop;           /* the running machine's stop_request, or NULL */
static volatile sig_atomic_t term_sigint; /* Ctrl-C seen at the prompt */
static char *term_line;                   /* the callback interface's result ... */
static bool term_have_line;               /* ... and whether it has come */

static void on_sigint(int sig) {
  (void)sig;
  term_sigint = 1;
  if (term_session) term_session->interrupted = 1;
  if (term_stop) *term_stop = 1;
}

void term_arm(vdb *d, volatile int *flag) {
  term_session = d;
  term_stop = flag;
}

void term_disarm(void) { term_stop = NULL; }

/* The history file; NULL for none.  Something there that is not a regular
 * file (a directory, a device, a FIFO) is left alone: the history is
 * appended to and truncated, which only a file of its own may be. */
const char *term_history_path(char *buf, size_t len) {
  const char *env = getenv("VDB_HISTORY");
  const char *home = getenv("HOME");
  if (env && !*env) return NULL;
  if (!env && (!home || !*home)) return NULL;
  if (env)
    snprintf(buf, len, "%s", env);
  else
    snprintf(buf, len, "%s/.vdb_history", home);
  struct stat st;
  if (stat(buf, &st) == 0 && !S_ISREG(st.st_mode)) return NULL;
  return buf;
}

/* ---- completion ---- */

typedef struct cands {
  char **v;
  int n, cap;
} cands;

static void cand_add(cands *c, const char *text, const char *s) {
  if (strncmp(s, text, strlen(text)) != 0) return;
  for (int i = 0; i < c->n; i++)
    if (strcmp(c->v[i], s) == 0) return;
  if (c->n + 2 > c->cap) {
    c->cap = c->cap ? 2 * c->cap : 32;
    char **p = realloc(c->v, sizeof *p * (size_t)c->cap);
    if (!p) return;
    c->v = p;
  }
  c->v[c->n++] = strdup(s);
}

/* readline wants: [0] the common prefix, then the matches, then NULL. */
static char **cand_result(cands *c) {
  if (!c->n) {
    free(c->v);
    return NULL;
  }
  size_t common = strlen(c->v[0]);
  for (int i = 1; i < c->n; i++) {
    size_t k = 0;
    while (k < common && c->v[i][k] == c->v[0][k])
      k++;
    common = k;
  }
  char **r = malloc(sizeof *r * (size_t)(c->n + 2));
  if (!r) return NULL;
  r[0] = strndup(c->v[0], common);
  if (c->n == 1) {
    free(r[0]);
    r[0] = c->v[0];
    r[1] = NULL;
  } else {
    memcpy(r + 1, c->v, sizeof *r * (size_t)c->n);
    r[c->n + 1] = NULL;
  }
  free(c->v);
  return r;
}

static void add_group(cands *c, const char *text, const char *group) {
  for (int i = 0; i < vdb_ncmds; i++) {
    const vdb_cmd *k = &vdb_cmds[i];
    if ((group == NULL) != (k->group == NULL) || (group && strcmp(group, k->group) != 0)) continue;
    cand_add(c, text, k->name);
  }
}

static char **complete(const char *text, int start, int end) {
  (void)end;
  rl_attempted_completion_over = 1; /* no file names unless we say so */
  vdb *d = term_session;
  char words[3][32] = {"", "", ""};
  int nw = 0;
  const char *p = rl_line_buffer;
  /* The words before the one being completed. */
  while (nw < 3) {
    p = skip_ws(p);
    if (p >= rl_line_buffer + start || !*p) break;
    size_t n = strcspn(p, " \t/");
    snprintf(words[nw++], sizeof words[0], "%.*s", (int)n, p);
    p += n;
    p += strcspn(p, " \t");
  }
  cands c = {0};
  char err[300];
  if (nw == 0) {
    add_group(&c, text, NULL);
    return cand_result(&c);
  }
  if (text[0] == '$') {
    char buf[40];
    for (int i = 0; expr_reg_name(i); i++) {
      snprintf(buf, sizeof buf, "$%s", expr_reg_name(i));
      cand_add(&c, text, buf);
    }
    return cand_result(&c);
  }
  const vdb_cmd *cmd = cmd_find(NULL, words[0], strlen(words[0]), err, sizeof err);
  const char *name = cmd ? cmd->name : "";
  if (nw == 1 && (strcmp(name, "info") == 0 || strcmp(name, "catch") == 0)) {
    add_group(&c, text, name);
  } else if (strcmp(name, "help") == 0) {
    if (nw == 1)
      add_group(&c, text, NULL);
    else if (nw == 2) {
      const vdb_cmd *g = cmd_find(NULL, words[1], strlen(words[1]), err, sizeof err);
      if (g) add_group(&c, text, g->name);
    }
  } else if (nw == 1 && strcmp(name, "trace") == 0) {
    cand_add(&c, text, "on");
    cand_add(&c, text, "off");
  } else if (nw == 1 && strcmp(name, "vm") == 0) {
    cand_add(&c, text, "list");
  } else if (nw == 1 && strcmp(name, "dot") == 0) {
    const char *kinds[] = {"pt", "shadow", "npt", "tlb"};
    for (int i = 0; i < 4; i++)
      cand_add(&c, text, kinds[i]);
  } else if (strcmp(name, "source") == 0 || strcmp(name, "dot") == 0) {
    rl_attempted_completion_over = 0; /* readline's own file names */
    return NULL;
  } else if (d && d->ntg) {
    const image *img = &vdb_cur(d)->img;
    for (int i = 0; i < img->nsyms; i++)
      cand_add(&c, text, img->syms[i].name);
  }
  return cand_result(&c);
}

/* ---- reading a line ---- */

static void on_line(char *line) {
  term_line = line;
  term_have_line = true;
  rl_callback_handler_remove();
}

/* Readline's input, a byte at a time.  Readline's own reader races with
 * Ctrl-C: the terminal discards its unread input when it sends SIGINT, so
 * a read() that select() had promised data to can block, and the next line
 * typed is then glued to what came before the Ctrl-C.  This reader never
 * blocks in read() (its descriptor is non-blocking); it waits in poll(),
 * which the signal interrupts, and answers C-u (unix-line-discard) once
 * Ctrl-C was seen, so the half-typed line is gone before read_line looks. */
#define CTRL_U 0x15
static int term_getc(FILE *stream) {
  int fd = fileno(stream);
  for (;;) {
    if (term_sigint) return CTRL_U;
    unsigned char ch;
    ssize_t n = read(fd, &ch, 1);
    if (n == 1) return ch;
    if (n == 0) return EOF;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return EOF;
    struct pollfd pf = {fd, POLLIN, 0};
    poll(&pf, 1, -1);
  }
}

/* A non-blocking descriptor for reading the terminal, of its own: making
 * standard input non-blocking would make standard output non-blocking too
 * when both share one open file, as they usually do on a terminal. */
static FILE *open_input(void) {
  const char *tty = ttyname(fileno(stdin));
  int fd = tty ? open(tty, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
  FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
  if (!f && fd >= 0) close(fd);
  return f;
}

/* One line from the terminal, or NULL at end of input. */
static char *read_line(const char *prompt) {
  term_sigint = 0; /* a Ctrl-C that stopped the guest is spent */
  term_have_line = false;
  term_line = NULL;
  rl_callback_handler_install(prompt, on_line);
  while (!term_have_line) {
    fd_set in;
    FD_ZERO(&in);
    FD_SET(fileno(rl_instream), &in);
    int n = select(fileno(rl_instream) + 1, &in, NULL, NULL, NULL);
    if (term_sigint) { /* Ctrl-C at the prompt: drop the line */
      term_sigint = 0;
      term_session->interrupted = 0;
      rl_free_line_state();
      rl_callback_sigcleanup();
      rl_replace_line("", 0);
      rl_crlf();
      rl_on_new_line();
      rl_redisplay();
      continue;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      rl_callback_handler_remove();
      return NULL;
    }
    rl_callback_read_char();
  }
  return term_line;
}

void term_catch_sigint(vdb *d) {
  term_session = d;
  struct sigaction sa = {0};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: select() must see it */
}

int term_loop(vdb *d) {
  char hist[4096];
  const char *path = term_history_path(hist, sizeof hist);
  term_catch_sigint(d);
  rl_readline_name = "vdb";
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = " \t\n\"'`@><=;|&{(,+-*/~!%^)";
  rl_catch_signals = 0;
  FILE *in = open_input();
  if (in) {
    rl_instream = in;
    rl_getc_function = term_getc;
  }
  using_history();
  if (path) read_history(path);
  d->interactive = true;
  d->progress = isatty(fileno(d->err)); /* long commands show where they are */
  while (!d->quit) {
    fflush(d->out);
    char *line = read_line("(vdb) ");
    if (!line) {
      vdb_printf(d, "quit\n");
      break;
    }
    if (*skip_ws(line)) {
      add_history(line);
      if (path) {
        if (access(path, F_OK) != 0)
          write_history(path);
        else
          append_history(1, path);
      }
    }
    vdb_exec(d, line);
    free(line);
  }
  if (path) history_truncate_file(path, 1000);
  if (in) {
    rl_instream = stdin;
    rl_getc_function = rl_getc;
    fclose(in);
  }
  term_session = NULL;
  return 0;
}
