/* gconsole.c: the consoles of several guests on one terminal.
 *
 * By default a guest's output is cut into lines and each line goes to
 * standard output whole, prefixed with the guest's name:
 *
 *   [A] guestos: booting, 1024 KiB of memory
 *   [B] guestos: booting, 1024 KiB of memory
 *
 * so two guests' lines never mix mid-line, whatever the scheduler does.
 * A guest with its own file (console=FILE) writes there, byte for byte as
 * it would alone.  One guest at most reads standard input (console.c's
 * host end, so a file or a pipe gives the same run as alone); the others
 * see the end of input.  Before the input guest reads, its unfinished line
 * (a prompt) is shown; the next guest to print a line starts a fresh one.
 */
#include <string.h>

#include "multi.h"

static void put_prefix(gcon *g) { fprintf(g->host->out, "[%s] ", g->name); }

/* Write the buffered bytes; `whole` when they end the line. */
static void emit(gcon *g, bool whole) {
  gcon_host *h = g->host;
  if (h->partial != g) {
    if (h->partial) fputc('\n', h->out); /* end another guest's prompt line */
    put_prefix(g);
  }
  fwrite(g->line, 1, g->len, h->out);
  g->len = 0;
  if (whole) fputc('\n', h->out);
  h->partial = whole ? NULL : g;
  fflush(h->out);
}

static void gc_putc(void *ctx, int ch) {
  gcon *g = ctx;
  if (g->file) {
    fputc(ch, g->file);
    if (ch == '\n') fflush(g->file);
    return;
  }
  if (ch == '\n') return emit(g, true);
  g->line[g->len++] = (char)ch;
  if (g->len == GCON_LINE_MAX) emit(g, true); /* too long: broken here */
}

/* The input guest is about to wait for input: show its prompt. */
static void show_prompt(gcon *g) {
  if (g->host && g->len) emit(g, false);
  if (g->file) fflush(g->file);
}

static int gc_getc(void *ctx) {
  gcon *g = ctx;
  if (!g->in) return -1;
  show_prompt(g);
  return g->in_dev.getc(g->in_dev.ctx);
}

static int gc_status(void *ctx) {
  gcon *g = ctx;
  if (!g->in) return 2; /* bit 1: end of input */
  show_prompt(g);
  return g->in_dev.status(g->in_dev.ctx);
}

void gcon_init(gcon *g, const char *name, gcon_host *host, FILE *file, host_console *in) {
  memset(g, 0, sizeof *g);
  g->name = name;
  g->file = file;
  g->host = file ? NULL : host;
  g->in = in;
  if (in) host_console_fill(in, &g->in_dev);
}

console_dev gcon_dev(gcon *g) { return (console_dev){.ctx = g, .putc = gc_putc, .getc = gc_getc, .status = gc_status}; }

void gcon_finish(gcon *g) {
  if (g->file) {
    fflush(g->file);
    return;
  }
  if (g->len) emit(g, true);
  if (g->host->partial == g) { /* its prompt was the last thing written */
    fputc('\n', g->host->out);
    g->host->partial = NULL;
    fflush(g->host->out);
  }
}
