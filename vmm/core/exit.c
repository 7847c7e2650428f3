/* exit.c: the monitor's run loop and its one exit path, for every
 * technique.
 *
 * A monitor mode is a variation on one loop:
 *
 *   while the guest has ticks left:
 *     a virtual interrupt is deliverable  -> reflect it (trap.c)
 *                                            (hw: the CPU delivers it)
 *     the guest waits in wfi              -> idle it in virtual time
 *     otherwise                           -> mode->run: the guest runs on
 *                                            the real CPU until something
 *                                            stops it, and the monitor
 *                                            handles that:
 *
 *   trap   (trap.c)  the real CPU in user mode; a trap to the monitor
 *   bt     (bt/)     virtual kernel mode runs translated code; user mode
 *                    as trap
 *   hw     (hw/)     VM entry; a VM exit, by reason
 *
 * and every way of handling it goes through the same few steps, written
 * once here and in trap.c: a trap is emulated, reflected, or taken by the
 * monitor (vm_handle_trap); an instruction the monitor completes retires
 * (vm_retire) and ticks the virtual timer (vm_tick); a run ends
 * (vm_stop).  Virtual time is counted in guest ticks exactly as native
 * mode counts them, whoever ran the instruction: the real CPU (counted by
 * vm_count_guest), or the monitor.
 */
#include "mode.h"

void vm_stop(vm *m, enum cpu_exit ex) {
  m->done = true;
  m->exit = ex;
}

void vm_tick(vm *m, uint32_t n) {
  vcpu *v = &m->v;
  if (!v->cr[CR_TIMER] || !n) return;
  /* A run on the real CPU never overshoots the timer (vm_timer_budget),
   * and the monitor retires one instruction at a time. */
  KIT_ASSERT(n <= v->timer_left, "vm_tick: a run overshot the virtual timer");
  v->timer_left -= n;
  if (v->timer_left == 0) {
    v->irq |= 1u << CAUSE_TIMER;
    v->timer_left = v->cr[CR_TIMER];
  }
}

void vm_retire(vm *m) {
  m->gst.insns++;
  m->v.pc += 4;
  vm_tick(m, 1);
}

uint64_t vm_timer_budget(const vm *m, uint64_t budget) {
  if (m->v.cr[CR_TIMER] && m->v.timer_left < budget) return m->v.timer_left;
  return budget;
}

bool vm_pause_due(const vm *m, uint64_t budget) {
  if (!m->watched) return false;
  return m->mode->cpu_runs_vcpu || !(m->v.cr[CR_TIMER] && m->v.timer_left <= budget);
}

void vm_world_switch(vm *m) {
  m->n.world_switches++;
  m->c->st.cycles += m->c->cost.c[COST_WORLD_SWITCH];
}

void vm_count_guest(vm *m) {
  const cpu_stats *st = &m->c->st;
  /* Marked words are a translator's own instructions, not the guest's. */
  uint64_t guest = st->insns - st->marked;
  uint64_t ran = guest - m->seen_insns;
  m->seen_insns = guest;
  m->gst.insns += ran;
  if (m->mode->cpu_runs_vcpu) { /* guest mode kept them, as natively */
    m->gst.user_insns += st->user_insns - m->seen_user;
    m->gst.idle_ticks += st->idle_ticks - m->seen_idle;
    m->seen_user = st->user_insns;
    m->seen_idle = st->idle_ticks;
    return;
  }
  if (vm_user(m)) m->gst.user_insns += ran;
  vm_tick(m, (uint32_t)ran);
}

/* ---- the one trap handler ---- */

void vm_handle_trap(vm *m, const trap_info *t) {
  switch (t->cause) {
  case CAUSE_PRIV:
    if (vm_user(m)) {
      vm_reflect(m, CAUSE_PRIV, t->value, t->pc, t->pc); /* the guest's user code did it */
    } else {
      m->c->st.cycles += m->c->cost.c[COST_EMULATE];
      vm_emulate(m, &t->insn, t->value);
    }
    break;
  case CAUSE_PF_FETCH:
  case CAUSE_PF_LOAD:
  case CAUSE_PF_STORE:
    if (m->mode->page_fault && m->mode->page_fault(m, t)) break;
    if (trace_fault(m, t)) break; /* a store to a traced page table (trace.c) */
    if (!shadow_fault(m, t->value, t->cause)) {
      m->n.guest_page_faults++;
      vm_reflect(m, t->cause, t->value, t->pc, t->pc);
    }
    break;
  case CAUSE_SYSCALL:
  case CAUSE_BREAK: vm_reflect(m, t->cause, t->value, t->pc, m->v.pc); break;
  case CAUSE_ILLEGAL: /* hcall is illegal on the bare CPU: perhaps a hypercall (hcall.c) */
    if (!hcall_take(m, t)) vm_reflect(m, t->cause, t->value, t->pc, t->pc);
    break;
  case CAUSE_TIMER:
  case CAUSE_CONSOLE: break; /* the monitor's own interrupts: nothing to reflect */
  default: vm_reflect(m, t->cause, t->value, t->pc, t->pc); break;
  }
}

/* ---- the run loop ---- */

/* Deliver a pending virtual interrupt (when the monitor, not the CPU,
 * delivers them), or idle the guest in wfi; true if the guest should not
 * run now. */
static bool virtual_events(vm *m, uint64_t ticks_left) {
  vcpu *v = &m->v;
  if (!m->mode->cpu_runs_vcpu && v->irq && (v->flags & FLAG_IE)) {
    uint32_t cause = (uint32_t)__builtin_ctz(v->irq);
    v->irq &= ~(1u << cause);
    vm_reflect(m, cause, 0, v->pc, v->pc);
    return true;
  }
  if (!v->waiting) return false;
  int64_t k = dev_idle(&v->con, &v->irq, v->cr[CR_TIMER], &v->timer_left, ticks_left, &m->gst.idle_ticks);
  if (k < 0) vm_stop(m, EXIT_IDLE);
  if (v->irq) v->waiting = false;
  return true;
}

uint64_t vm_time(const vm *m) { return cpu_cycles(m->c); }

bool vm_out_of_time(const vm *m) { return m->time_stop && vm_time(m) >= m->time_stop; }

/* With a deadline in modeled cycles (time_stop) a run gets no more ticks
 * than the cycles left (an instruction costs COST_INSN, normally one), so
 * the CPU stops at or after it, past it only by the events of its last
 * ticks; the monitor's loops look again after every exit. */
void vm_run(vm *m, uint64_t ticks) {
  uint64_t end = vm_ticks(m) + ticks;
  if (end < ticks) end = UINT64_MAX;
  while (!m->done) {
    uint64_t now = vm_ticks(m), budget = end - now;
    if (now >= end) return;
    if (m->time_stop) {
      uint64_t t = vm_time(m);
      if (t >= m->time_stop) return;
      if (m->time_stop - t < budget) budget = m->time_stop - t;
    }
    if (virtual_events(m, budget)) {
      m->paused = false; /* the monitor acted: the next entry is a real one */
      continue;
    }
    m->mode->run(m, budget);
    KIT_ASSERT(vm_ticks(m) <= end, "vm_run: a run went past its budget");
  }
}
