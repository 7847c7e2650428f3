/* vm.c: making a VM, resetting its VCPU, and what it reports. */
#include <string.h>

#include "mode.h"

void vm_init(vm *m, const vmm_mode *mode, cpu *c, const char *name, uint32_t base, uint32_t size) {
  memset(m, 0, sizeof *m);
  m->mode = mode;
  m->name = name;
  m->c = c;
  m->base = base;
  m->size = size;
  m->pool = base + size;
  m->seen_insns = c->st.insns - c->st.marked;
  m->seen_user = c->st.user_insns;
  m->seen_idle = c->st.idle_ticks;
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
  m->pv_page = 0; /* a reset guest names its shared page again */
  shadow_drop_all(m);
  if (m->mode->reset) m->mode->reset(m);
}

void vm_report_fill(const vm *m, vm_report *r) {
  r->mode = m->mode->name;
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
  r->paravirt = m->pv;
  r->pv = m->pvn;
  if (m->mode->report) m->mode->report(m, r);
}

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
