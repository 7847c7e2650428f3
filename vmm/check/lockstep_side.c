/* lockstep_side.c: the machines lockstep compares, one row per mode.
 *
 * Each row makes a machine for the image, runs it one guest tick at a time
 * and reports what the guest can see (an ls_view).  Native is the
 * reference; every monitor mode is a row of ls_modes[], so a new mode is
 * one more row here and nothing else.
 *
 * A monitor side's host-physical memory, with guards for the isolation
 * count:
 *
 *   0                +---------------------------+
 *                    | guard: LS_CANARY bytes    |  LS_GUARD
 *   LS_GUARD (base)  +---------------------------+
 *                    | guest-physical memory     |  o->mem
 *                    +---------------------------+
 *                    | the monitor's own pages   |  shadow pool, TC, ...
 *   owned_end        +---------------------------+
 *                    | guard: LS_CANARY bytes    |  LS_GUARD
 *                    +---------------------------+
 *
 * No guest action may change a guard byte, and no shadow entry may point
 * outside the guest's memory.
 */
#include <stdlib.h>
#include <string.h>

#include "bt/bt.h"
#include "hw/hw.h"
#include "lockstep.h"
#include "mmu.h"
#include "core/vm.h"

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

/* ---- native: the reference ---- */

static int native_make(ls_side *s, const vmm_opts *o, const image *img, char *err, size_t len) {
  cpu *c = cpu_new(o->mem, o->tlb);
  if (!c) {
    snprintf(err, len, "cannot make a machine with %u bytes of memory and %u TLB entries", o->mem, o->tlb);
    return VMM_EX_OSERR;
  }
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  if (load_image(c, img, 0, c->mem_size, err, len) != 0) {
    cpu_free(c);
    return VMM_EX_DATAERR;
  }
  cpu_reset(c, img->entry);
  c->con = s->con;
  s->c = c;
  s->gmem = c->mem;
  s->gsize = c->mem_size;
  s->exit = EXIT_BUDGET;
  return 0;
}

static void native_run_ticks(ls_side *s, uint64_t ticks) { s->exit = cpu_run(s->c, ticks); }

static void native_view(const ls_side *s, ls_view *v) {
  const cpu *c = s->c;
  guest_view_cpu(c, v);
  v->ticks = c->st.insns + c->st.idle_ticks;
  v->user_insns = c->st.user_insns;
  v->done = s->exit != EXIT_BUDGET;
  v->exit = s->exit;
  v->halt_code = c->halt_code;
}

static void native_free(ls_side *s) { cpu_free(s->c); }

const ls_mode ls_native = {"native", native_make, native_run_ticks, native_view, NULL, native_free};

/* ---- monitor modes built on a VM (vm.h): trap and bt ---- */

/* The machine and the VM, guards around them, `extra` monitor pages after
 * the shadow pool; the image loaded and the VCPU reset. */
static int vm_side_make(ls_side *s, const vmm_opts *o, const image *img, uint32_t extra, char *err, size_t len) {
  uint32_t size = (o->mem + PAGE_MASK) & ~PAGE_MASK;
  uint64_t owned_end = (uint64_t)LS_GUARD + size + (uint64_t)(SHADOW_POOL + extra) * PAGE_SIZE;
  uint64_t total = owned_end + LS_GUARD;
  cpu *c = total <= 0xfffff000u ? cpu_new((uint32_t)total, o->tlb) : NULL;
  vm *m = calloc(1, sizeof *m);
  if (!c || !m) {
    snprintf(err, len, "out of host memory for a %u-byte guest", size);
    cpu_free(c);
    free(m);
    return VMM_EX_OSERR;
  }
  memset(c->mem, LS_CANARY, LS_GUARD);
  memset(c->mem + owned_end, LS_CANARY, LS_GUARD);
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  c->trap_to_host = true; /* as vm_create sets it up */
  c->flags = FLAG_IE;
  vm_init(m, c, o->image ? o->image : "guest", LS_GUARD, size);
  if (load_image(c, img, m->base, size, err, len) != 0) {
    cpu_free(c);
    free(m);
    return VMM_EX_DATAERR;
  }
  m->v.con = s->con;
  vm_reset(m, img->entry);
  s->c = c;
  s->m = m;
  s->gmem = c->mem + m->base;
  s->gsize = size;
  s->owned_end = (uint32_t)owned_end;
  return 0;
}

static int trap_make(ls_side *s, const vmm_opts *o, const image *img, char *err, size_t len) {
  return vm_side_make(s, o, img, 0, err, len);
}

static void vm_side_run(ls_side *s, uint64_t ticks) { vm_run(s->m, ticks); }

static void vm_side_view(const ls_side *s, ls_view *v) {
  const vm *m = s->m;
  guest_view_vm(m, v);
  v->ticks = m->gst.insns + m->gst.idle_ticks;
  v->user_insns = m->gst.user_insns;
  v->done = m->done;
  v->exit = m->done ? m->exit : EXIT_BUDGET;
  v->halt_code = m->halt_code;
}

static uint64_t guard_damage(const ls_side *s) {
  uint64_t n = 0;
  const uint8_t *mem = s->c->mem;
  for (uint32_t i = 0; i < LS_GUARD; i++) n += mem[i] != LS_CANARY;
  for (uint32_t i = 0; i < LS_GUARD; i++) n += mem[s->owned_end + i] != LS_CANARY;
  return n;
}

static uint64_t vm_side_outside(const ls_side *s) { return guard_damage(s) + guest_shadow_outside(s->m); }

static void vm_side_free(ls_side *s) {
  if (s->m) bt_free(s->m->bt);
  free(s->m);
  cpu_free(s->c);
}

/* --mode bt: the trap-mode VM with a translator; its pages after the pool. */
static int bt_make(ls_side *s, const vmm_opts *o, const image *img, char *err, size_t len) {
  bt_config cfg = {o->bt_priv_trap, o->bt_no_chain, o->bt_tc_size / PAGE_SIZE};
  int rc = vm_side_make(s, o, img, bt_host_pages(&cfg), err, len);
  if (rc) return rc;
  if (!bt_attach(s->m, &cfg, s->m->pool + SHADOW_POOL * PAGE_SIZE)) {
    snprintf(err, len, "out of host memory for the translation cache");
    return VMM_EX_OSERR; /* the caller frees the side */
  }
  return 0;
}

/* ---- --mode hw and hw-shadow: the VCPU is the VMCS's guest state ---- */

static int hw_make_paging(ls_side *s, const vmm_opts *o, const image *img, bool shadow, char *err, size_t len) {
  uint32_t size = (o->mem + PAGE_MASK) & ~PAGE_MASK;
  uint64_t owned_end = (uint64_t)LS_GUARD + size + hw_extra(size);
  uint64_t total = owned_end + LS_GUARD;
  cpu *c = total <= 0xfffff000u ? cpu_new((uint32_t)total, o->tlb) : NULL;
  hw_vm *h = calloc(1, sizeof *h);
  if (!c || !h) {
    snprintf(err, len, "out of host memory for a %u-byte guest", size);
    cpu_free(c);
    free(h);
    return VMM_EX_OSERR;
  }
  memset(c->mem, LS_CANARY, LS_GUARD);
  memset(c->mem + owned_end, LS_CANARY, LS_GUARD);
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  hw_vm_init(h, c, o->image ? o->image : "guest", LS_GUARD, size, shadow, 1);
  if (load_image(c, img, h->m.base, size, err, len) != 0) {
    cpu_free(c);
    free(h);
    return VMM_EX_DATAERR;
  }
  h->m.v.con = s->con;
  hw_vm_reset(h, img->entry);
  s->c = c;
  s->priv = h;
  s->gmem = c->mem + h->m.base;
  s->gsize = size;
  s->owned_end = (uint32_t)owned_end;
  return 0;
}

static int hw_make(ls_side *s, const vmm_opts *o, const image *img, char *err, size_t len) {
  return hw_make_paging(s, o, img, o->hw_shadow, err, len); /* --paging */
}
static int hw_shadow_make(ls_side *s, const vmm_opts *o, const image *img, char *err, size_t len) {
  return hw_make_paging(s, o, img, true, err, len);
}

static void hw_run_ticks(ls_side *s, uint64_t ticks) { hw_vm_run(s->priv, ticks); }

static void hw_view(const ls_side *s, ls_view *v) {
  const hw_vm *h = s->priv;
  guest_view_hw(h, v);
  v->ticks = h->m.gst.insns + h->m.gst.idle_ticks;
  v->user_insns = h->m.gst.user_insns;
  v->done = h->m.done;
  v->exit = h->m.done ? h->m.exit : EXIT_BUDGET;
  v->halt_code = h->m.halt_code;
}

static uint64_t hw_outside(const ls_side *s) {
  const hw_vm *h = s->priv;
  return guard_damage(s) + (h->shadow ? guest_shadow_outside(&h->m) : guest_nested_outside(h));
}

static void hw_free(ls_side *s) {
  free(s->priv);
  cpu_free(s->c);
}

/* The monitor modes, in the order `make check` runs them. */
const ls_mode ls_modes[] = {
    {"trap", trap_make, vm_side_run, vm_side_view, vm_side_outside, vm_side_free},
    {"bt", bt_make, vm_side_run, vm_side_view, vm_side_outside, vm_side_free},
    {"hw", hw_make, hw_run_ticks, hw_view, hw_outside, hw_free},
    {"hw-shadow", hw_shadow_make, hw_run_ticks, hw_view, hw_outside, hw_free},
};
const int ls_nmodes = sizeof ls_modes / sizeof ls_modes[0];
