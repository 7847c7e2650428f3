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
 * stdio buffer.
 *
 * Ctrl-C while the guest waits for input never reaches it: the wait is
 * interrupted, nothing is recorded, and the read is tripped instead (it
 * hands the guest "end of input", but the run is void from there: its
 * output is not shown).  The run loop (vdb_run.c) then puts the guest
 * back at the tick before that read, by replay, with the fence up so
 * that no replay waits: the guest stops where it was about to read, and
 * reads the next thing typed when it goes on.
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

int vdb_console_fetch(vdb_console *k) {
  if (k->rec_eof) return 0;
  if (k->fence || k->tripped) {
    k->tripped = true;
    return -1;
  }
  fflush(k->out);
  for (;;) {
    uint8_t b;
    ssize_t n = read(k->in_fd, &b, 1);
    if (n == 1) {
      record(k, b);
      return 1;
    }
    if (n < 0 && errno == EINTR) {
      if (k->interrupted && *k->interrupted) {
        k->tripped = true; /* Ctrl-C: nothing for the guest (see above) */
        return -1;
      }
      continue;
    }
    k->rec_eof = true;
    return 0;
  }
}

static void con_putc(void *ctx, int ch) {
  vdb_console *k = ctx;
  if (k->tripped) { /* a void run: never shown (the count comes back with the guest) */
    k->out_count++;
    return;
  }
  if (k->out_count++ < k->out_shown) return; /* replayed: shown before */
  k->out_shown++;
  vdb_console_erase_progress(k);
  fputc(ch, k->out);
  k->partial_line = ch != '\n';
  if (ch == '\n') fflush(k->out);
}

static int con_getc(void *ctx) {
  vdb_console *k = ctx;
  if (k->in_pos == k->rec_len && vdb_console_fetch(k) <= 0) return -1;
  return k->rec[k->in_pos++];
}

static int con_status(void *ctx) {
  vdb_console *k = ctx;
  if (k->in_pos < k->rec_len) return 1;
  if (k->rec_eof) return 2;
  if (k->in_tty) return 1; /* a person may type later: ready, unread */
  return vdb_console_fetch(k) == 0 ? 2 : 1;
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

void vdb_console_erase_progress(vdb_console *k) {
  if (!k->progress_len) return;
  fprintf(k->progress_to, "\r%*s\r", k->progress_len, "");
  fflush(k->progress_to);
  k->progress_len = 0;
}

vdb_con_pos vdb_console_pos(const vdb_console *k) { return (vdb_con_pos){k->in_pos, k->out_count}; }

void vdb_console_seek(vdb_console *k, vdb_con_pos p) {
  k->in_pos = p.in_pos;
  k->out_count = p.out_count;
}
