/* vdb_console.c: the guest's console as the debugger plugs it in.
 *
 * Replaying time must not change what the guest sees, nor show the user the
 * same output twice:
 *
 *   input   every byte is read from the host once, the first time the guest
 *           asks, and kept; the guest's position in that record (in_pos) is
 *           part of each checkpoint, so a replay reads the same bytes.
 *   output  the guest's byte count (out_count) is part of each checkpoint;
 *           a byte is shown only if it is beyond everything shown already
 *           (out_shown), so replayed output stays quiet and new output,
 *           after going back and forth, appears exactly once.
 *
 * The status port follows bin/vmm's console (vmm/run/console.c): "ready"
 * without reading when the input is a terminal, a peek otherwise (here the
 * peeked byte goes straight into the record).  Reads use read(2), not stdio,
 * so that a terminal shared with readline never loses typed bytes inside a
 * stdio buffer.  Ctrl-C while the guest waits for a terminal gives it byte
 * 3, as a serial line would, and stops it.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "vdb.h"

void vdb_console_init(vdb_console *k, FILE *out, int in_fd) {
  *k = (vdb_console){.out = out, .in_fd = in_fd};
  k->in_tty = in_fd >= 0 && isatty(in_fd);
  k->rec_eof = in_fd < 0;
}

void vdb_console_free(vdb_console *k) {
  free(k->rec);
  k->rec = NULL;
}

static void record(vdb_console *k, uint8_t b) {
  if (k->rec_len == k->rec_cap) {
    size_t cap = k->rec_cap ? 2 * k->rec_cap : 256;
    uint8_t *p = realloc(k->rec, cap);
    if (!p) cpu_panic("vdb console: out of host memory");
    k->rec = p;
    k->rec_cap = cap;
  }
  k->rec[k->rec_len++] = b;
}

/* One more byte from the host into the record; false at end of input. */
static bool fetch(vdb_console *k) {
  if (k->rec_eof) return false;
  fflush(k->out);
  for (;;) {
    uint8_t b;
    ssize_t n = read(k->in_fd, &b, 1);
    if (n == 1) {
      record(k, b);
      return true;
    }
    if (n < 0 && errno == EINTR) {
      if (k->interrupted && *k->interrupted) {
        record(k, 3); /* Ctrl-C, as a serial line carries it */
        return true;
      }
      continue;
    }
    k->rec_eof = true;
    return false;
  }
}

static void con_putc(void *ctx, int ch) {
  vdb_console *k = ctx;
  if (k->out_count++ < k->out_shown) return; /* replayed: shown before */
  k->out_shown++;
  fputc(ch, k->out);
  k->partial_line = ch != '\n';
  if (ch == '\n') fflush(k->out);
}

static int con_getc(void *ctx) {
  vdb_console *k = ctx;
  if (k->in_pos == k->rec_len && !fetch(k)) return -1;
  return k->rec[k->in_pos++];
}

static int con_status(void *ctx) {
  vdb_console *k = ctx;
  if (k->in_pos < k->rec_len) return 1;
  if (k->rec_eof) return 2;
  if (k->in_tty) return 1; /* a person may type later: ready, unread */
  return fetch(k) ? 1 : 2;
}

void vdb_console_attach(vdb_console *k, console_dev *dev) {
  dev->ctx = k;
  dev->putc = con_putc;
  dev->getc = con_getc;
  dev->status = con_status;
}

void vdb_console_break_line(vdb_console *k) {
  if (k->partial_line) fputc('\n', k->out);
  k->partial_line = false;
}

vdb_con_pos vdb_console_pos(const vdb_console *k) { return (vdb_con_pos){k->in_pos, k->out_count}; }

void vdb_console_seek(vdb_console *k, vdb_con_pos p) {
  k->in_pos = p.in_pos;
  k->out_count = p.out_count;
}
