/* lockstep_side.c: the machines lockstep compares, and their consoles.
 *
 * A side is a guest of the mode table (core/mode.h) alone on its machine:
 * native is the reference, any monitor mode the other.  A monitor side's
 * host-physical memory is core/vm.h's map between two guards of LS_GUARD
 * canary bytes (the guest at base LS_GUARD, the guard after its end): no
 * guest action may change a guard byte, and no entry of the monitor's
 * tables may point outside the guest's memory.
 */
#include <stdlib.h>
#include <string.h>

#include "lockstep.h"
#include "mmu.h"

/* ---- the console: output kept for comparison, input from the record ---- */

static void ls_putc(void *ctx, int ch) {
  ls_side *s = ctx;
  if (s->out_len == s->out_cap) {
    size_t cap = s->out_cap ? 2 * s->out_cap : 256;
    char *p = realloc(s->out, cap);
    if (!p) cpu_panic("ls_putc: out of host memory");
    s->out = p;
    s->out_cap = cap;
  }
  s->out[s->out_len++] = (char)ch;
}

/* One more byte from the host into the record; false at its end. */
static bool record_more(ls_record *r) {
  if (r->eof) return false;
  if (r->flush) fflush(r->flush);
  int ch = r->in ? fgetc(r->in) : EOF;
  if (ch == EOF) {
    r->eof = true;
    return false;
  }
  if (r->len == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 256;
    uint8_t *p = realloc(r->buf, cap);
    if (!p) cpu_panic("record_more: out of host memory");
    r->buf = p;
    r->cap = cap;
  }
  r->buf[r->len++] = (uint8_t)ch;
  return true;
}

static int ls_getc(void *ctx) {
  ls_side *s = ctx;
  if (s->in_pos == s->rec->len && !record_more(s->rec)) return -1;
  return s->rec->buf[s->in_pos++];
}

/* As the host console answers (console.c): a terminal is "ready" without
 * reading; a file or pipe is peeked, so its end shows exactly. */
static int ls_status(void *ctx) {
  ls_side *s = ctx;
  if (s->in_pos < s->rec->len) return 1;
  if (s->rec->eof) return 2;
  if (s->rec->tty) return 1;
  return record_more(s->rec) ? 1 : 2;
}

void ls_console_init(ls_side *s, ls_record *rec) {
  s->rec = rec;
  s->in_pos = 0;
  s->out_len = 0;
  s->con = (console_dev){.ctx = s, .putc = ls_putc, .getc = ls_getc, .status = ls_status};
}

/* ---- the machines ---- */

int ls_side_make(ls_side *s, const vmm_mode *md, const vmm_opts *o, const image *img, char *err, size_t len) {
  uint32_t guard = mode_is_monitor(md) ? LS_GUARD : 0;
  int rc = guest_create(&s->g, md, o, img, s->con, guard, err, len);
  if (rc) return rc;
  s->c = s->g.c;
  s->gmem = s->c->mem + s->g.base;
  s->gsize = s->g.size;
  memset(s->c->mem, LS_CANARY, guard);
  memset(s->c->mem + s->g.end, LS_CANARY, guard);
  return 0;
}

void ls_side_free(ls_side *s) {
  if (s->c) guest_destroy(&s->g);
  s->c = NULL;
}

/* Guard bytes in [p, p + LS_GUARD) that are not the canary: a page at a
 * time against a page of canaries, bytes only in a page that differs (a
 * byte loop costs more than a fuzzer's whole run under the sanitizers). */
static uint64_t guard_changed(const uint8_t *p) {
  static uint8_t canaries[PAGE_SIZE];
  if (canaries[0] != LS_CANARY) memset(canaries, LS_CANARY, sizeof canaries);
  uint64_t n = 0;
  for (uint32_t pg = 0; pg < LS_GUARD; pg += PAGE_SIZE)
    if (memcmp(p + pg, canaries, PAGE_SIZE) != 0)
      for (uint32_t i = pg; i < pg + PAGE_SIZE; i++) n += p[i] != LS_CANARY;
  return n;
}

uint64_t ls_side_outside(const ls_side *s) {
  if (!s->g.m) return 0;
  return guard_changed(s->c->mem) + guard_changed(s->c->mem + s->g.end) + guest_outside(&s->g);
}
