/* vm.c: making a VM, resetting its VCPU, and --mode trap's entry. */
#include <stdlib.h>
#include <string.h>

#include "vm.h"

void vm_init(vm *m, cpu *c, const char *name, uint32_t base, uint32_t size) {
  memset(m, 0, sizeof *m);
  m->name = name;
  m->c = c;
  m->base = base;
  m->size = size;
  m->pool = base + size;
  m->real_insns_seen = c->st.insns - c->st.marked;
  shadow_init(m);
}

/* The VCPU's reset state is the real CPU's: kernel mode, paging off,
 * interrupts off, everything zero, pc at the entry. */
void vm_reset(vm *m, uint32_t entry) {
  console_dev con = m->v.con;
  memset(&m->v, 0, sizeof m->v);
  m->v.con = con;
  m->v.con.rx_irq_enabled = false;
  m->v.pc = entry;
  m->v.flags = FLAG_KM;
  shadow_drop_all(m);
}

void vm_report_fill(const vm *m, vm_report *r) {
  r->exit = m->done ? m->exit : EXIT_BUDGET;
  r->halt_code = m->halt_code;
  r->last_trap = m->last_trap;
  r->pc = m->v.pc;
  /* Guest-view instruction counts; the real CPU's traps and TLB. */
  r->st = m->c->st;
  r->st.insns = m->gst.insns;
  r->st.user_insns = m->gst.user_insns;
  r->st.idle_ticks = m->gst.idle_ticks;
  r->cycles = cpu_cycles(m->c);
  r->monitored = true;
  r->vmm = m->n;
  r->vmm.direct_insns = m->c->st.insns - m->c->st.marked;
}

int vm_create(const vmm_opts *o, const image *img, uint32_t extra, vm **out) {
  char err[256];
  uint32_t size = (o->mem + PAGE_MASK) & ~PAGE_MASK;
  cpu *c = cpu_new(size + (SHADOW_POOL + extra) * PAGE_SIZE, o->tlb);
  vm *m = calloc(1, sizeof *m);
  if (!c || !m) {
    fprintf(stderr, "vmm: out of host memory for a %u-byte guest\n", size);
    cpu_free(c);
    free(m);
    return VMM_EX_OSERR;
  }
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  c->trap_to_host = true; /* the monitor owns real kernel mode */
  c->flags = FLAG_IE;     /* and the real CPU only ever runs guests in user mode */
  vm_init(m, c, o->image, 0, size);
  if (load_image(c, img, m->base, size, err, sizeof err) != 0) {
    fprintf(stderr, "vmm: %s: %s\n", o->image, err);
    cpu_free(c);
    free(m);
    return VMM_EX_DATAERR;
  }
  host_console_attach(o->console, c);
  m->v.con = c->con; /* the guest's console is the host's */
  c->con = (console_dev){0};
  vm_reset(m, img->entry);
  *out = m;
  return 0;
}

void vm_finish(vm *m, vm_report *r, const char *mode, double seconds) {
  cpu *c = m->c;
  r->host_seconds = seconds;
  r->mode = mode;
  vm_report_fill(m, r);
  /* The register dump of a failed run shows the guest's view. */
  memcpy(c->r, m->v.r, sizeof c->r);
  c->pc = m->v.pc;
  c->flags = m->v.flags;
  memcpy(c->cr, m->v.cr, sizeof c->cr);
  free(m);
}

int trap_run(const vmm_opts *o, const image *img, vm_report *r, cpu **out) {
  vm *m;
  int rc = vm_create(o, img, 0, &m);
  if (rc) return rc;
  double t0 = host_now();
  vm_run(m, o->max_steps ? o->max_steps : UINT64_MAX);
  double t = host_now() - t0;
  fflush(stdout);
  *out = m->c;
  vm_finish(m, r, "trap", t);
  return 0;
}
