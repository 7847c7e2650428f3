/* vmx.c: VM entry, VM exit and the exit controls (see vmx.h).
 *
 * Guest mode reuses the whole machine: the guest-state area is loaded
 * into the CPU's own registers, control registers, timer and interrupt
 * lines, so the interpreter, the trap path and the timer run the guest
 * exactly as they run a native kernel.  Three hooks make the difference:
 *
 *   exec.c  PRIVILEGED()   -> vmx_insn_exit: does an exit control take
 *                             this instruction?  (before it executes)
 *   cpu.c   cpu_take_trap  -> vmx_trap: does one take this trap?
 *   mmu.c   mmu_slow       -> npt_slow (npt.c): the two-dimensional walk
 *
 * Each hook returns to the run loop, which returns to vmx_run with
 * EXIT_VMEXIT; vmx_run then saves the guest, restores the host, and hands
 * the reason to the monitor.  The native paths test one pointer, c->vmcs,
 * and only on their slow paths.
 */
#include "vmx.h"

#include <string.h>

#include "exec.h"

const char *vmx_exit_name(uint32_t reason) {
  static const char *const names[NVMX_EXITS] = {
#define VMX_EXIT_NAME(name, s, m) [VMX_EXIT_##name] = s,
      VMX_EXIT_TABLE(VMX_EXIT_NAME)
#undef VMX_EXIT_NAME
  };
  return reason < NVMX_EXITS ? names[reason] : "?";
}

/* ---- the CPU's architectural state in and out of an area ---- */

static void save_state(const cpu *c, vmx_state *a) {
  memcpy(a->r, c->r, sizeof a->r);
  a->pc = c->pc;
  a->flags = c->flags;
  memcpy(a->cr, c->cr, sizeof a->cr);
  a->timer_left = c->timer_left;
  a->irq = c->irq;
  a->waiting = c->waiting;
  a->con_irq = c->con.rx_irq_enabled;
}

static void load_state(cpu *c, const vmx_state *a) {
  memcpy(c->r, a->r, sizeof c->r);
  c->r[REG_ZERO] = 0;
  c->pc = a->pc;
  c->flags = a->flags;
  memcpy(c->cr, a->cr, sizeof c->cr);
  c->timer_left = a->timer_left;
  c->irq = a->irq;
  c->waiting = a->waiting;
  c->con.rx_irq_enabled = a->con_irq;
  c->fetch_va = FETCH_NONE; /* a new mode: look the pc up again */
}

/* The entry checks (a real CPU has dozens): 0, or the VMX_BAD_* found. */
static uint32_t entry_check(const cpu *c, const vmcs *s) {
  if (s->vmid == 0 || s->vmid > VMX_MAX_VMID) return VMX_BAD_VMID;
  if (s->npt_root && ((s->npt_root & PAGE_MASK) || s->npt_root >= c->mem_size)) return VMX_BAD_NPT;
  if (s->guest.flags & ~FLAGS_ALL) return VMX_BAD_FLAGS;
  if (s->inject.valid && s->inject.cause >= NCAUSES) return VMX_BAD_INJECT;
  return 0;
}

/* What ended a run in guest mode, as an exit reason.  The hooks have
 * already written the exit information of an EXIT_VMEXIT. */
static uint32_t exit_reason(cpu *c, vmcs *s, int ex) {
  vmx_exit_info *e = &s->exit;
  switch (ex) {
  case EXIT_VMEXIT: return e->reason;
  case EXIT_BUDGET: *e = (vmx_exit_info){.reason = VMX_EXIT_PREEMPT}; break;
  case EXIT_STOP: *e = (vmx_exit_info){.reason = VMX_EXIT_STOP}; break;
  case EXIT_HALT:     /* halt with HALT exiting off */
  case EXIT_NOVECTOR: /* the guest's own trap had nowhere to go */
  case EXIT_DOUBLE:
  case EXIT_IDLE: /* wfi with WFI exiting off and nothing to wake it */
    *e = (vmx_exit_info){.reason = VMX_EXIT_SHUTDOWN, .qual = (uint32_t)ex, .value = c->halt_code};
    break;
  default: cpu_panic("vmx_run: guest mode ended in a way that has no exit reason");
  }
  e->pc = c->pc;
  return e->reason;
}

/* ---- a watcher's pause (vmx.h) ---- */

/* Keep the guest's fetch window at a pause... */
static void pause_keep(const cpu *c, vmcs *s, int ex) {
  s->paused = true;
  s->pause_exit = (enum cpu_exit)ex;
  s->pause_pc = c->pc;
  s->pause_fetch_va = c->fetch_va;
  s->pause_fetch_pa = c->fetch_pa;
  s->pause_shift = c->perm_shift;
}

/* ... and give it back when the guest resumes where it paused (its
 * decoded page is still there: nothing ran in between). */
static void pause_resume(cpu *c, const vmcs *s) {
  if (c->pc != s->pause_pc || s->pause_fetch_va == FETCH_NONE) return;
  dinsn *f = c->code[s->pause_fetch_pa >> PAGE_SHIFT];
  if (!f) return;
  c->fetch = f;
  c->fetch_va = s->pause_fetch_va;
  c->fetch_pa = s->pause_fetch_pa;
  c->perm_shift = s->pause_shift;
}

uint32_t vmx_run(cpu *c, vmcs *s, uint64_t ticks) {
  if (c->vmcs) cpu_panic("vmx_run: already in guest mode");
  bool resume = s->paused; /* the guest goes on from a pause: no new entry */
  s->paused = false;
  uint32_t bad = entry_check(c, s);
  if (bad) {
    s->exit = (vmx_exit_info){.reason = VMX_EXIT_ENTRY_FAILED, .qual = bad, .pc = s->guest.pc};
    s->n.exits[VMX_EXIT_ENTRY_FAILED]++;
    return VMX_EXIT_ENTRY_FAILED;
  }
  /* ---- VM entry ---- */
  if (!resume) { /* (a pause is invisible: no entry, no flush) */
    s->n.entries++;
    /* Without VPID (the first VT-x parts) the TLB holds no VM identifier:
     * entry and exit each flush it whole, and the guest, then the host,
     * refill it miss by miss.  With it, entries stay, tagged (tag_lo). */
    if (!c->cost.vpid) cpu_tlb_flush_all(c, true);
  }
  save_state(c, &s->host);
  s->host_tag_lo = c->tag_lo;
  s->host_perm_shift = c->perm_shift;
  s->host_trap_to_host = c->trap_to_host;
  load_state(c, &s->guest);
  c->perm_shift = (c->flags & FLAG_KM) ? PSHIFT_KERNEL : PSHIFT_USER;
  if (resume) pause_resume(c, s);
  c->tag_lo = s->vmid << 1 | 1; /* this VM's TLB entries: no flush needed */
  c->trap_to_host = false;      /* the guest's traps are the guest's */
  vmx_exit_info last = s->exit; /* (a pause leaves it as it was) */
  s->exit = (vmx_exit_info){0};
  int ex = -1;
  if (s->inject.valid) {
    /* Delivered through the guest's vector as the hardware would deliver
     * a trap, with the native checks (no vector, double fault), and not
     * offered to the exit controls again. */
    s->inject.valid = false;
    ex = cpu_take_trap(c, s->inject.cause, s->inject.value, s->inject.epc);
  }
  c->vmcs = s;
  if (ex < 0) ex = (int)cpu_run(c, ticks);
  bool pause = s->pause && (ex == EXIT_BUDGET || ex == EXIT_STOP);
  uint32_t reason = VMX_PAUSED;
  if (pause) {
    pause_keep(c, s, ex);
    s->exit = last;
  } else {
    reason = exit_reason(c, s, ex);
  }

  /* ---- VM exit (or a pause: the same switch, not counted) ---- */
  c->vmcs = NULL;
  save_state(c, &s->guest);
  load_state(c, &s->host);
  c->tag_lo = s->host_tag_lo;
  c->perm_shift = s->host_perm_shift;
  c->trap_to_host = s->host_trap_to_host;
  if (pause) return VMX_PAUSED;
  s->n.exits[reason]++;
  c->st.cycles += c->cost.c[COST_VM_EXIT]; /* the round trip, entry included */
  if (!c->cost.vpid) cpu_tlb_flush_all(c, true);
  return reason;
}

/* ---- the hooks ---- */

int vmx_trap(cpu *c, uint32_t cause, uint32_t value, uint32_t epc) {
  vmcs *s = c->vmcs;
  vmx_exit_info *e = &s->exit;
  if (cause == VMX_CAUSE_NPF) { /* npt.c filled qual, gpa and gva */
    e->reason = VMX_EXIT_NPF;
    e->pc = c->pc;
    c->waiting = false;
    return EXIT_VMEXIT;
  }
  bool takes = cause < CAUSE_TIMER ? (s->exc_bitmap >> cause) & 1 : (s->exits & VMX_CTL_EXTINT) != 0;
  if (!takes) return -1;
  *e = (vmx_exit_info){.reason = cause < CAUSE_TIMER ? VMX_EXIT_EXCEPTION : VMX_EXIT_INTERRUPT,
                       .qual = cause, .value = value, .epc = epc, .pc = c->pc};
  c->waiting = false;
  return EXIT_VMEXIT;
}

bool vmx_insn_exit(cpu *c, const dinsn *d, uint32_t word, uint32_t pc) {
  const vmcs *s = c->vmcs;
  vmx_exit_info e = {.insn = word, .decoded = *d, .pc = pc};
  e.decoded.op &= (uint8_t)~OP_MARKED;
  switch (d->op & ~OP_MARKED) {
  case OP_HALT:
    if (!(s->exits & VMX_CTL_HALT)) return false;
    e.reason = VMX_EXIT_HALT, e.value = c->r[d->rs1];
    break;
  case OP_WFI:
    if (!(s->exits & VMX_CTL_WFI)) return false;
    e.reason = VMX_EXIT_WFI;
    break;
  case OP_IN:
    if (!(s->exits & VMX_CTL_IO)) return false;
    e.reason = VMX_EXIT_IO, e.qual = d->imm, e.reg = d->rd;
    break;
  case OP_OUT:
    if (!(s->exits & VMX_CTL_IO)) return false;
    e.reason = VMX_EXIT_IO, e.qual = d->imm | VMX_IO_OUT, e.reg = d->rs1, e.value = c->r[d->rs1];
    break;
  case OP_MFC:
    if (d->imm >= NCR || !((s->cr_read >> d->imm) & 1)) return false;
    e.reason = VMX_EXIT_CR_READ, e.qual = d->imm, e.reg = d->rd;
    break;
  case OP_MTC:
    if (d->imm >= NCR || !((s->cr_write >> d->imm) & 1)) return false;
    e.reason = VMX_EXIT_CR_WRITE, e.qual = d->imm, e.reg = d->rs1, e.value = c->r[d->rs1];
    break;
  case OP_TLBI:
    if (!(s->exits & VMX_CTL_TLB)) return false;
    e.reason = VMX_EXIT_TLBI, e.value = c->r[d->rs1];
    break;
  case OP_TLBFLUSH:
    if (!(s->exits & VMX_CTL_TLB)) return false;
    e.reason = VMX_EXIT_TLBFLUSH;
    break;
  default: return false; /* iret, cli, sti act on the guest state */
  }
  c->vmcs->exit = e;
  return true;
}
