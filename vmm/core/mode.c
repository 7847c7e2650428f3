/* mode.c: the mode table, and the calls that drive a guest of any mode
 * (mode.h).  Everything mode-specific goes through the row; the one
 * difference this file knows is the one the slides start from: a guest on
 * the bare machine (native, g->m == NULL) or in a VM under a monitor. */
#include "mode.h"

#include <stdlib.h>
#include <string.h>

#include "bt/bt.h"
#include "hw/hw.h"

/* ================================ the table ================================ */

const vmm_mode *const vmm_modes[] = {&mode_native, &mode_trap, &mode_bt, &mode_hw, &mode_hw_shadow, NULL};

const vmm_mode *mode_find(const char *name, const vmm_opts *o) {
  if (!name) return NULL;
  if (strcmp(name, "hw") == 0 && o && o->hw_shadow) name = "hw-shadow"; /* --paging shadow */
  for (int i = 0; vmm_modes[i]; i++)
    if (strcmp(vmm_modes[i]->name, name) == 0) return vmm_modes[i];
  return NULL;
}

const char *mode_names(bool monitors_only) {
  static char buf[2][128];
  char *b = buf[monitors_only];
  if (!*b)
    for (int i = 0; vmm_modes[i]; i++) {
      if (monitors_only && !mode_is_monitor(vmm_modes[i])) continue;
      if (*b) strncat(b, " ", sizeof buf[0] - strlen(b) - 1);
      strncat(b, vmm_modes[i]->name, sizeof buf[0] - strlen(b) - 1);
    }
  return b;
}

int mode_count(bool monitors_only) {
  int n = 0;
  for (int i = 0; vmm_modes[i]; i++) n += !monitors_only || mode_is_monitor(vmm_modes[i]);
  return n;
}

const vmm_mode *mode_nth(int i, bool monitors_only) {
  for (int k = 0; vmm_modes[k]; k++)
    if ((!monitors_only || mode_is_monitor(vmm_modes[k])) && i-- == 0) return vmm_modes[k];
  return NULL;
}

bool mode_takes(const vmm_mode *md, const char *option) {
  size_t n = strlen(option);
  for (const char *p = md->options; p && (p = strstr(p, option)); p += n)
    if ((p == md->options || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return true;
  return false;
}

/* =========================== making guests =========================== */

static uint32_t page_round(uint32_t n) { return (n + PAGE_MASK) & ~PAGE_MASK; }

uint64_t guest_footprint(const vmm_mode *md, const vmm_opts *o, uint32_t size) {
  size = page_round(size);
  uint64_t n = size;
  if (mode_is_monitor(md)) n += SHADOW_POOL * PAGE_SIZE + (md->extra ? page_round(md->extra(o, size)) : 0);
  return n <= 0xfffff000u ? n : 0;
}

cpu *guest_machine(const vmm_opts *o, uint64_t bytes) {
  cpu *c = bytes && bytes <= 0xfffff000u ? cpu_new((uint32_t)bytes, o->tlb) : NULL;
  if (!c) return NULL;
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  return c;
}

/* ---- the counters ----
 * A machine counts into c->st.  Guests that share a machine (vmm
 * --guests) keep theirs in g->st and swap them in and out around every
 * slice, so c->st holds g's only while g is on the CPU.  A guest alone on
 * its machine (guest_create's, own_machine) leaves them in c->st: lockstep
 * runs a tick at a time, and the four copies a tick were 8% of its time in
 * the sanitizer build.  Read them with counters(g). */

static void counters_in(guest *g) {
  if (!g->own_machine) g->c->st = g->st;
}
static void counters_out(guest *g) {
  if (!g->own_machine) g->st = g->c->st;
}
static const cpu_stats *counters(const guest *g) { return g->own_machine ? &g->c->st : &g->st; }

int guest_init(guest *g, const vmm_mode *md, const vmm_opts *o, cpu *c, const char *name, uint32_t base,
               uint32_t size, uint32_t vmid) {
  memset(g, 0, sizeof *g);
  g->mode = md;
  g->name = name;
  g->c = c;
  g->base = base;
  g->size = page_round(size);
  g->vmid = vmid;
  g->end = (uint32_t)(base + guest_footprint(md, o, size));
  if (g->end > c->mem_size || g->end <= base) cpu_panic("guest_init: the guest does not fit in its machine");
  if (!mode_is_monitor(md)) {
    if (base != 0 || g->size != c->mem_size) cpu_panic("guest_init: a native guest owns its whole machine");
    return 0;
  }
  if (md->vm_size < sizeof(vm)) cpu_panic("guest_init: a mode's VM must begin with a vm");
  KIT_ASSERT(!md->cpu_runs_vcpu == !md->inject, "guest_init: a CPU that runs the VCPU delivers the guest's traps");
  KIT_ASSERT(md->exit_name && md->nexit_reasons && md->probe, "guest_init: a monitor mode shows its exits");
  g->m = calloc(1, md->vm_size);
  if (!g->m) return -1;
  counters_in(g); /* the VM notes the CPU's counters as they are now: zero */
  vm_init(g->m, md, c, name, base, g->size);
  g->m->vmid = vmid;
  g->m->pv = o->pv && mode_takes(md, "--pv"); /* (only where the mode takes it: trap, bt) */
  int rc = md->attach ? md->attach(g->m, o) : 0;
  if (rc == 0 && o->shadow_trace && mode_takes(md, "--shadow")) rc = trace_attach(g->m); /* core/trace.c */
  counters_out(g);
  if (rc != 0) guest_free(g);
  return rc;
}

int guest_load(guest *g, const image *img, console_dev con, char *err, size_t len) {
  if (load_image(g->c, img, g->base, g->size, err, len) != 0) return -1;
  if (!g->m) {
    g->c->con = con;
    cpu_reset(g->c, img->entry);
    return 0;
  }
  g->m->v.con = con;
  vm_reset(g->m, img->entry);
  return 0;
}

void guest_free(guest *g) {
  if (g->m) cpu_unwatch(g->c, g->m); /* a technique that watched its memory (bt) */
  if (g->m) trace_free(g->m); /* before the technique's detach: trace may share its record (wref) */
  if (g->m && g->mode->detach) g->mode->detach(g->m);
  free(g->m);
  g->m = NULL;
}

int guest_create(guest *g, const vmm_mode *md, const vmm_opts *o, const image *img, console_dev con, uint32_t guard,
                 char *err, size_t len) {
  uint32_t size = page_round(o->mem);
  if (!mode_is_monitor(md)) guard = 0; /* natively the guest owns the machine */
  uint64_t fp = guest_footprint(md, o, size), total = fp + 2ull * guard;
  cpu *c = fp && total <= 0xfffff000u ? guest_machine(o, total) : NULL;
  if (!c) {
    snprintf(err, len, "out of host memory for a %u-byte guest", size);
    memset(g, 0, sizeof *g);
    return VMM_EX_OSERR;
  }
  if (guest_init(g, md, o, c, o->image ? o->image : "guest", guard, size, 1) != 0) {
    snprintf(err, len, "out of host memory for a %u-byte guest", size);
    cpu_free(c);
    return VMM_EX_OSERR;
  }
  g->own_machine = true;
  char why[256];
  if (guest_load(g, img, con, why, sizeof why) != 0) {
    snprintf(err, len, "%s: %s", g->name, why);
    guest_destroy(g);
    return VMM_EX_DATAERR;
  }
  return 0;
}

void guest_destroy(guest *g) {
  guest_free(g);
  if (g->own_machine) cpu_free(g->c);
  memset(g, 0, sizeof *g);
}

bool guest_switch(guest *g) {
  if (!g->m || g->mode->tagged) return false;
  /* Untagged entries belong to whoever ran last: the next guest's root
   * goes into CR[ptb] and, as on x86 without tags, the TLB is flushed. */
  cpu *c = g->c;
  counters_in(g);
  c->cr[CR_PTB] = shadow_current(g->m);
  c->cr[CR_PAGING] = 1;
  cpu_tlb_flush_all(c, true); /* another VM's window too */
  counters_out(g);
  return true;
}

/* ============================ any guest ============================ */

void guest_run(guest *g, uint64_t ticks) {
  counters_in(g);
  if (g->m) {
    vm_run(g->m, ticks);
  } else {
    g->exit = cpu_run(g->c, ticks);
    g->done = g->exit != EXIT_BUDGET;
  }
  counters_out(g);
}

void guest_run_for(guest *g, uint64_t ticks, uint64_t cycles) {
  if (!g->m) return guest_run(g, ticks); /* natively nobody works for it: ticks tell */
  uint64_t now = guest_cycles(g);
  g->m->time_stop = now + cycles < now ? UINT64_MAX : now + cycles;
  guest_run(g, ticks);
  g->m->time_stop = 0;
}

uint64_t guest_cycles(const guest *g) {
  const cpu_stats *st = counters(g);
  return st->cycles + st->insns * g->c->cost.c[COST_INSN];
}

void guest_run_watched(guest *g, uint64_t ticks) {
  if (g->m) g->m->watched = true;
  guest_run(g, ticks);
  if (g->m) g->m->watched = false;
}

uint64_t guest_ticks(const guest *g) {
  if (!g->m) return counters(g)->insns + counters(g)->idle_ticks; /* natively the machine's own */
  return vm_ticks(g->m);
}

bool guest_done(const guest *g) { return g->m ? g->m->done : g->done; }

void guest_resume(guest *g) {
  bool *done = g->m ? &g->m->done : &g->done;
  enum cpu_exit ex = g->m ? g->m->exit : g->exit;
  if (*done && ex == EXIT_STOP) *done = false;
}

void guest_view_get(const guest *g, guest_view *v) {
  v->zero = false; /* (every other field is set below) */
  if (g->m) {
    guest_view_vm(g->m, v);
    v->ticks = vm_ticks(g->m);
    v->user_insns = g->m->gst.user_insns;
    v->done = g->m->done;
    v->exit = g->m->done ? g->m->exit : EXIT_BUDGET;
    v->halt_code = g->m->halt_code;
  } else {
    guest_view_cpu(g->c, v);
    v->ticks = counters(g)->insns + counters(g)->idle_ticks;
    v->user_insns = counters(g)->user_insns;
    v->done = g->done;
    v->exit = g->done ? g->exit : EXIT_BUDGET;
    v->halt_code = g->c->halt_code;
  }
}

void guest_report(const guest *g, vm_report *r) {
  cpu_stats keep = g->c->st; /* report fills read the machine's counters: g's */
  if (!g->own_machine) g->c->st = g->st;
  if (g->m)
    vm_report_fill(g->m, r);
  else
    native_report(g, r);
  g->c->st = keep;
  r->name = g->name;
}

uint64_t guest_outside(const guest *g) { return g->m && g->mode->outside ? g->mode->outside(g->m) : 0; }
