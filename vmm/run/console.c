/* console.c: the host's end of a guest console.
 *
 * Output goes to a FILE (stdout by default), flushed at each newline and
 * before the guest waits for input so that prompts show.  Input comes from
 * a FILE, read one byte at a time when the guest asks.  The status port
 * says "ready" without reading when the input is a terminal (a person may
 * type later), and peeks one byte otherwise so that a file or pipe reports
 * its end exactly: either way a given byte stream gives the same run. */
#include <unistd.h>

#include "core/vmm.h"
#include "runner.h"

static void hc_putc(void *ctx, int ch) {
  host_console *hc = ctx;
  fputc(ch, hc->out);
  if (ch == '\n') fflush(hc->out);
}

static int hc_getc(void *ctx) {
  host_console *hc = ctx;
  if (hc->eof) return -1;
  fflush(hc->out);
  int ch = fgetc(hc->in);
  if (ch == EOF) hc->eof = true;
  return ch == EOF ? -1 : ch;
}

static int hc_status(void *ctx) {
  host_console *hc = ctx;
  if (hc->eof) return 2;
  if (hc->in_tty) return 1;
  fflush(hc->out);
  int ch = fgetc(hc->in);
  if (ch == EOF) {
    hc->eof = true;
    return 2;
  }
  ungetc(ch, hc->in);
  return 1;
}

void host_console_init(host_console *hc, FILE *out, FILE *in) {
  hc->out = out;
  hc->in = in;
  hc->eof = in == NULL;
  hc->in_tty = in && isatty(fileno(in));
}

void host_console_fill(host_console *hc, console_dev *con) {
  con->ctx = hc;
  con->putc = hc_putc;
  con->getc = hc_getc;
  con->status = hc_status;
}

void host_console_attach(host_console *hc, cpu *c) { host_console_fill(hc, &c->con); }
