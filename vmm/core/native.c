/* native.c: --mode native, the guest on the bare simulated CPU.
 *
 * The image is loaded at its own physical addresses and runs in real
 * kernel mode from its entry point: no monitor at all, so the row has no
 * VM hooks (mode.c runs the machine itself).  This is the reference every
 * monitor mode is compared with. */
#include <string.h>

#include "mode.h"

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

void native_report(const guest *g, vm_report *r) {
  const cpu *c = g->c;
  r->mode = "native";
  r->exit = g->done ? g->exit : EXIT_BUDGET;
  r->halt_code = c->halt_code;
  r->last_trap = c->trap;
  r->pc = c->pc;
  r->st = c->st;
  r->cycles = cpu_cycles(c);
}

static void native_probe(const guest *g, mode_probe *p) {
  *p = (mode_probe){0};
  for (int i = 0; i < NCAUSES; i++) p->traps += g->c->st.traps[i];
  p->trap = g->c->trap;
}

const vmm_mode mode_native = {
    .name = "native",
    .what = "the guest on the bare CPU, in real kernel mode",
    .exit_name = cpu_cause_name,
    .nexit_reasons = NCAUSES,
    .probe = native_probe,
    .no_vcpu = "no VCPU in native mode: the guest runs on the real CPU (see info registers)",
    .no_shadow = "no shadow page tables in native mode: the guest's own tables are the real ones",
    .no_npt = "no nested paging in this mode",
    .no_tc = "no translation cache in this mode (only --mode bt translates)",
};
