/* guest.c: the guest_modes[] table, one row per mode, and the calls every
 * mode shares (guest.h).  A row's setup mirrors the mode's own *_run
 * (vm.c, bt_run.c, hw.c, native.c), stopping short of running. */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

#include "bt/bt.h"
#include "hw/hw.h"
#include "mmu.h"

static uint32_t page_round(uint32_t n) { return (n + PAGE_MASK) & ~PAGE_MASK; }

/* ================= trap: trap-and-emulate, shadow paging ================= */

static uint32_t trap_extra(const vmm_opts *o, uint32_t size) {
  (void)o, (void)size;
  return SHADOW_POOL * PAGE_SIZE;
}

static int trap_init(guest *g, const vmm_opts *o) {
  (void)o;
  g->m = calloc(1, sizeof *g->m);
  if (!g->m) return -1;
  g->c->trap_to_host = true; /* the monitor owns real kernel mode */
  g->c->flags = FLAG_IE;     /* and runs guests only in real user mode */
  vm_init(g->m, g->c, g->name, g->base, g->size);
  return 0;
}

static void vm_reset_row(guest *g, uint32_t entry) { vm_reset(g->m, entry); }
static void vm_console(guest *g, console_dev con) { g->m->v.con = con; }
static void vm_run_row(guest *g, uint64_t ticks) { vm_run(g->m, ticks); }

void guest_view_vm(const vm *m, guest_view *v) {
  memcpy(v->r, m->v.r, sizeof v->r);
  v->pc = m->v.pc;
  v->flags = m->v.flags;
  memcpy(v->cr, m->v.cr, sizeof v->cr);
  v->timer_left = m->v.cr[CR_TIMER] ? m->v.timer_left : 0;
  v->irq = m->v.irq;
  v->waiting = m->v.waiting;
  v->con_irq = m->v.con.rx_irq_enabled;
}

static void vm_view(const guest *g, guest_view *v) { guest_view_vm(g->m, v); }

static void trap_report(const guest *g, vm_report *r) {
  vm_report_fill(g->m, r);
  r->mode = "trap";
}

static void trap_release(guest *g) { free(g->m); }

/* ============ bt: the trap-mode VM with a binary translator ============ */

static bt_config bt_cfg(const vmm_opts *o) { return (bt_config){o->bt_priv_trap, o->bt_no_chain, o->bt_tc_size / PAGE_SIZE}; }

static uint32_t bt_extra(const vmm_opts *o, uint32_t size) {
  bt_config cfg = bt_cfg(o);
  return trap_extra(o, size) + bt_host_pages(&cfg) * PAGE_SIZE;
}

static int bt_init(guest *g, const vmm_opts *o) {
  bt_config cfg = bt_cfg(o);
  if (trap_init(g, o) != 0) return -1;
  if (!bt_attach(g->m, &cfg, g->m->pool + SHADOW_POOL * PAGE_SIZE)) return -1;
  return 0;
}

static void bt_report(const guest *g, vm_report *r) {
  vm_report_fill(g->m, r);
  r->mode = "bt";
  r->translated = true;
  r->bt = g->m->bt->n;
}

static void bt_release(guest *g) {
  if (g->m) bt_free(g->m->bt);
  free(g->m);
}

/* ====== hw, hw-shadow: the VCPU is the VMCS's guest-state area ====== */

static uint32_t hw_extra_row(const vmm_opts *o, uint32_t size) {
  (void)o;
  return hw_extra(size);
}

static int hw_init_paging(guest *g, bool shadow) {
  g->h = calloc(1, sizeof *g->h);
  if (!g->h) return -1;
  hw_vm_init(g->h, g->c, g->name, g->base, g->size, shadow, g->vmid);
  g->m = &g->h->m;
  return 0;
}
static int hw_init(guest *g, const vmm_opts *o) { return hw_init_paging(g, o->hw_shadow); }
static int hw_shadow_init(guest *g, const vmm_opts *o) {
  (void)o;
  return hw_init_paging(g, true);
}

static void hw_reset_row(guest *g, uint32_t entry) { hw_vm_reset(g->h, entry); }
static void hw_run_row(guest *g, uint64_t ticks) { hw_vm_run(g->h, ticks); }

void guest_view_hw(const hw_vm *h, guest_view *v) {
  const vmx_state *s = &h->s.guest;
  memcpy(v->r, s->r, sizeof v->r);
  v->pc = s->pc;
  v->flags = s->flags;
  memcpy(v->cr, s->cr, sizeof v->cr);
  if (h->shadow) { /* the VMCS holds the shadow root; the guest's are here */
    v->cr[CR_PTB] = h->m.v.cr[CR_PTB];
    v->cr[CR_PAGING] = h->m.v.cr[CR_PAGING];
  }
  v->timer_left = s->cr[CR_TIMER] ? s->timer_left : 0;
  v->irq = s->irq;
  v->waiting = s->waiting;
  v->con_irq = s->con_irq;
}

static void hw_view(const guest *g, guest_view *v) { guest_view_hw(g->h, v); }

static void hw_report(const guest *g, vm_report *r) {
  hw_report_fill(g->h, r);
  r->mode = g->h->shadow ? "hw-shadow" : "hw";
}

static void hw_release(guest *g) { free(g->h); }

/* ============ native: the guest is the machine's own kernel ============ */

static uint32_t native_extra(const vmm_opts *o, uint32_t size) {
  (void)o, (void)size;
  return 0;
}

static int native_init(guest *g, const vmm_opts *o) {
  (void)o;
  if (g->base != 0 || g->size != g->c->mem_size) cpu_panic("native_init: a native guest owns its whole machine");
  return 0;
}

static void native_reset(guest *g, uint32_t entry) { cpu_reset(g->c, entry); }
static void native_console(guest *g, console_dev con) { g->c->con = con; }

static void native_run_row(guest *g, uint64_t ticks) {
  g->exit = cpu_run(g->c, ticks);
  g->done = g->exit != EXIT_BUDGET;
}

void guest_view_cpu(const cpu *c, guest_view *v) {
  memcpy(v->r, c->r, sizeof v->r);
  v->pc = c->pc;
  v->flags = c->flags;
  memcpy(v->cr, c->cr, sizeof v->cr);
  v->timer_left = c->cr[CR_TIMER] ? c->timer_left : 0;
  v->irq = c->irq;
  v->waiting = c->waiting;
  v->con_irq = c->con.rx_irq_enabled;
}

static void native_view(const guest *g, guest_view *v) { guest_view_cpu(g->c, v); }

static void native_report(const guest *g, vm_report *r) {
  const cpu *c = g->c;
  r->mode = "native";
  r->exit = g->done ? g->exit : EXIT_BUDGET;
  r->halt_code = c->halt_code;
  r->last_trap = c->trap;
  r->pc = c->pc;
  r->st = c->st;
  r->cycles = cpu_cycles(c);
}

static void native_release(guest *g) { (void)g; /* the machine is the caller's */ }

/* ================================ the table ================================ */

const guest_mode guest_modes[] = {
    {"trap", true, false, trap_extra, trap_init, vm_reset_row, vm_console, vm_run_row, vm_view, trap_report,
     trap_release},
    {"bt", true, false, bt_extra, bt_init, vm_reset_row, vm_console, vm_run_row, vm_view, bt_report, bt_release},
    {"hw", true, true, hw_extra_row, hw_init, hw_reset_row, vm_console, hw_run_row, hw_view, hw_report, hw_release},
    {"hw-shadow", true, true, hw_extra_row, hw_shadow_init, hw_reset_row, vm_console, hw_run_row, hw_view,
     hw_report, hw_release},
    {"native", false, false, native_extra, native_init, native_reset, native_console, native_run_row, native_view,
     native_report, native_release},
};
const int guest_nmodes = sizeof guest_modes / sizeof guest_modes[0];

const guest_mode *guest_mode_find(const char *name, const vmm_opts *o) {
  if (strcmp(name, "hw") == 0 && o && o->hw_shadow) name = "hw-shadow";
  for (int i = 0; i < guest_nmodes; i++)
    if (strcmp(guest_modes[i].name, name) == 0) return &guest_modes[i];
  return NULL;
}

uint64_t guest_footprint(const guest_mode *md, const vmm_opts *o, uint32_t size) {
  size = page_round(size);
  uint64_t n = (uint64_t)size + page_round(md->extra(o, size));
  return n <= 0xfffff000u ? n : 0;
}

cpu *guest_machine(const vmm_opts *o, uint64_t bytes) {
  cpu *c = bytes && bytes <= 0xfffff000u ? cpu_new((uint32_t)bytes, o->tlb) : NULL;
  if (!c) return NULL;
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  return c;
}

/* ---- the counters: c->st holds g's only while g is on the CPU ---- */

static void counters_in(guest *g) { g->c->st = g->st; }
static void counters_out(guest *g) { g->st = g->c->st; }

int guest_init(guest *g, const guest_mode *md, const vmm_opts *o, cpu *c, const char *name, uint32_t base,
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
  counters_in(g); /* the VM notes the CPU's counters as they are now: zero */
  int rc = md->init(g, o);
  counters_out(g);
  if (rc != 0) md->release(g);
  return rc;
}

int guest_load(guest *g, const image *img, console_dev con, char *err, size_t len) {
  if (load_image(g->c, img, g->base, g->size, err, len) != 0) return -1;
  g->mode->set_console(g, con);
  g->mode->reset(g, img->entry);
  return 0;
}

void guest_run(guest *g, uint64_t ticks) {
  counters_in(g);
  g->mode->run(g, ticks);
  counters_out(g);
}

bool guest_switch(guest *g) {
  if (g->mode->tagged || !g->mode->shares) return false;
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

uint64_t guest_ticks(const guest *g) {
  if (!g->m) return g->st.insns + g->st.idle_ticks; /* natively the machine's own */
  return g->m->gst.insns + g->m->gst.idle_ticks;
}

bool guest_done(const guest *g) { return g->m ? g->m->done : g->done; }

void guest_view_get(const guest *g, guest_view *v) {
  memset(v, 0, sizeof *v);
  g->mode->view(g, v);
  if (g->m) {
    v->ticks = g->m->gst.insns + g->m->gst.idle_ticks;
    v->user_insns = g->m->gst.user_insns;
    v->done = g->m->done;
    v->exit = g->m->done ? g->m->exit : EXIT_BUDGET;
    v->halt_code = g->m->halt_code;
  } else {
    v->ticks = g->st.insns + g->st.idle_ticks;
    v->user_insns = g->st.user_insns;
    v->done = g->done;
    v->exit = g->done ? g->exit : EXIT_BUDGET;
    v->halt_code = g->c->halt_code;
  }
}

void guest_report(const guest *g, vm_report *r) {
  cpu_stats keep = g->c->st; /* report fills read the machine's counters */
  g->c->st = g->st;
  g->mode->report(g, r);
  g->c->st = keep;
  r->name = g->name;
}

/* ---- isolation: every table entry the monitor made points inside ---- */

/* Valid shadow entries outside the guest's memory, and tables outside its
 * pool, in every shadow the monitor keeps (PDE 1023 of bt's kernel roots
 * is the translator's window). */
uint64_t guest_shadow_outside(const vm *m) {
  uint64_t n = 0;
  uint32_t roots[SHADOW_ROOTS];
  for (int i = 0, nr = shadow_roots(m, roots); i < nr; i++) {
    for (uint32_t d = 0; d < 1024; d++) {
      uint32_t pde = ld32(m->c->mem + roots[i] + 4 * d);
      if (!(pde & PTE_V) || (d == 1023 && m->window_pde && pde == m->window_pde)) continue;
      uint32_t pt = pde & ~PAGE_MASK;
      if (pt < m->pool || pt >= m->pool + SHADOW_POOL * PAGE_SIZE) {
        n++;
        continue;
      }
      for (uint32_t t = 0; t < 1024; t++) {
        uint32_t pte = ld32(m->c->mem + pt + 4 * t);
        uint32_t pa = pte & ~PAGE_MASK;
        if ((pte & PTE_V) && (pa < m->base || pa - m->base >= m->size)) n++;
      }
    }
  }
  return n;
}

/* Nested entries outside the guest's memory, and tables outside its own. */
uint64_t guest_nested_outside(const hw_vm *h) {
  uint64_t n = 0;
  const uint8_t *mem = h->m.c->mem;
  uint32_t tables_end = h->m.base + h->m.size + hw_extra(h->m.size);
  for (uint32_t d = 0; d < 1024; d++) {
    uint32_t pde = ld32(mem + h->npt + 4 * d);
    if (!(pde & PTE_V)) continue;
    uint32_t pt = pde & ~PAGE_MASK;
    if (pt <= h->npt || pt >= tables_end) {
      n++;
      continue;
    }
    for (uint32_t t = 0; t < 1024; t++) {
      uint32_t pte = ld32(mem + pt + 4 * t);
      uint32_t pa = pte & ~PAGE_MASK;
      if ((pte & PTE_V) && (pa < h->m.base || pa - h->m.base >= h->m.size)) n++;
    }
  }
  return n;
}

uint64_t guest_outside(const guest *g) {
  if (!g->m) return 0;
  if (g->h && !g->h->shadow) return guest_nested_outside(g->h);
  return guest_shadow_outside(g->m);
}

void guest_free(guest *g) {
  if (g->mode) g->mode->release(g);
  memset(g, 0, sizeof *g);
}
